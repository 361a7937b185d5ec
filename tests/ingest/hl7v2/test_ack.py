"""ACKs and the handler's decisions (a fake intake, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import hl7

from hoso.core.settings import Settings
from hoso.ingest.hl7v2 import Hl7Error, ack, make_handler, parse_message
from tests.ingest.hl7v2.messages import ADT_A01, ADT_A40, CCCD, FACILITY, ORU_R01, adt

SETTINGS = Settings(database_url="sqlite://")


@dataclass
class Issue:
    text: str
    severity: str


@dataclass
class Outcome:
    status: str
    issues: list[Issue] = field(default_factory=list)


@dataclass
class FakeIntake:
    outcome: Outcome = field(default_factory=lambda: Outcome("accepted"))
    taken: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, bundle: dict[str, Any]) -> Outcome:
        self.taken.append(bundle)
        return self.outcome


def _read(answer: bytes) -> hl7.Message:
    return hl7.parse(answer.decode("utf-8"))


def test_ack_swaps_sender_and_receiver() -> None:
    answer = _read(ack(parse_message(ADT_A01.encode()), "AA", []))
    msh = answer.segment("MSH")
    assert (str(msh[3]), str(msh[4]), str(msh[5]), str(msh[6])) == (
        "HOSO",
        "SYT_HCM",
        "HIS_BVQ1",
        f"{FACILITY}^^L",
    )
    assert str(msh[9]) == "ACK^A01^ACK" and str(msh[18]) == "UNICODE UTF-8"
    assert str(answer.segment("MSA")) == "MSA|AA|ADT0001"


def test_ack_err_segments() -> None:
    error = Hl7Error("OBX", "OBX[2]-5", "102", "'sáu' không phải số", "'sáu' is not a number")
    answer = _read(ack(ORU_R01.encode(), "AE", [error]))
    err = answer.segment("ERR")
    assert str(err[2]) == "OBX^2^5"
    assert answer["ERR.F3.R1.C1"] == "102" and answer["ERR.F3.R1.C3"] == "HL70357"
    assert str(err[4]) == "E"
    assert answer["ERR.F8"] == "'sáu' không phải số / 'sáu' is not a number"


def test_ack_escapes_delimiters_in_text() -> None:
    error = Hl7Error("PID", "PID-5", "102", "tên có ký tự |^&", "name has |^&")
    answer = ack(ADT_A01.encode(), "AE", [error])
    assert b"\\F\\\\S\\\\T\\" in answer
    assert _read(answer)["ERR.F8"] == "tên có ký tự |^& / name has |^&"


def test_garbage_gets_ar_with_the_control_id_recovered() -> None:
    handle = make_handler(FakeIntake(), settings=SETTINGS, facility=FACILITY)
    answer = _read(handle(b"MSH|^~\\&|HIS|79001|||2025||ADT^A01|CTRL42|P|2.5\r\xff\xfe"))
    assert str(answer.segment("MSA")) == "MSA|AR|CTRL42"
    assert _read(handle(b"not hl7 at all"))["MSA.F1"] == "AR"


def test_accepted_is_aa() -> None:
    intake = FakeIntake()
    answer = make_handler(intake, settings=SETTINGS, facility=FACILITY)(ORU_R01.encode())
    assert str(_read(answer).segment("MSA")) == "MSA|AA|LAB0001"
    assert intake.taken[0]["type"] == "transaction"


def test_warnings_are_aa_with_err_severity_w() -> None:
    intake = FakeIntake(
        Outcome(
            "accepted-with-warnings",
            [Issue("mã ICD-10 không có trong danh mục / ICD-10 code not in the list", "warning")],
        )
    )
    answer = _read(make_handler(intake, settings=SETTINGS, facility=FACILITY)(ADT_A01.encode()))
    assert answer["MSA.F1"] == "AA"
    assert str(answer.segment("ERR")[4]) == "W"


def test_rejected_is_ae_with_the_issues() -> None:
    intake = FakeIntake(
        Outcome(
            "rejected",
            [Issue("CCCD đã thuộc về người khác / CCCD belongs to another person", "error")],
        )
    )
    answer = _read(make_handler(intake, settings=SETTINGS, facility=FACILITY)(ADT_A01.encode()))
    assert answer["MSA.F1"] == "AE"
    assert answer["ERR.F8"] == "CCCD đã thuộc về người khác / CCCD belongs to another person"


def test_mapping_error_is_ae_and_nothing_is_taken() -> None:
    intake = FakeIntake()
    handle = make_handler(intake, settings=SETTINGS, facility=FACILITY)
    answer = _read(handle(adt("A04").replace(CCCD, CCCD[1:]).encode()))
    assert answer["MSA.F1"] == "AE" and str(answer.segment("ERR")[2]) == "PID^1^3"
    assert intake.taken == []


def test_another_facility_is_refused() -> None:
    intake = FakeIntake()
    handle = make_handler(intake, settings=SETTINGS, facility=FACILITY)
    answer = _read(handle(adt("A04", facility="79002").encode()))
    assert answer["MSA.F1"] == "AR" and str(answer.segment("ERR")[2]) == "MSH^1^4"
    assert intake.taken == []


def test_other_character_set_is_ar_naming_msh_18() -> None:
    handle = make_handler(FakeIntake(), settings=SETTINGS, facility=FACILITY)
    answer = _read(handle(adt("A04", charset="8859/1").encode()))
    assert str(answer.segment("MSA")) == "MSA|AR|ADT0001"
    assert str(answer.segment("ERR")[2]) == "MSH^1^18"
    assert answer["MSH.F5"] == "HIS_BVQ1"  # still addressed to the sender


def test_merge_goes_to_the_callback_not_the_intake() -> None:
    intake, merged = FakeIntake(), []

    def merge(keep: str, retire: str, message_id: str) -> str | None:
        merged.append((keep, retire, message_id))
        return None if len(merged) == 1 else "không thấy / not found"

    handle = make_handler(intake, settings=SETTINGS, facility=FACILITY, merge=merge)
    assert _read(handle(ADT_A40.encode()))["MSA.F1"] == "AA"
    assert merged == [(CCCD, "079085009999", "MRG0001")] and intake.taken == []
    refused = _read(handle(ADT_A40.encode()))
    assert refused["MSA.F1"] == "AE" and "not found" in str(refused.segment("ERR"))
    without = make_handler(intake, settings=SETTINGS, facility=FACILITY)
    assert _read(without(ADT_A40.encode()))["MSA.F1"] == "AE"
