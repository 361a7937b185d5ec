"""XML 130 files → Bundles and messages, field by field, and every malformed input."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from hoso.core import jsonx
from hoso.core.settings import Settings
from hoso.ingest.xml130 import Xml130Episode, Xml130File, parse_checkin, parse_xml130
from tests.ingest.xml130.files import (
    clean,
    course,
    drug,
    giamdinhhs,
    hoso,
    lab,
    outpatient,
    summary,
    table,
)  # fmt: skip

SETTINGS = Settings(database_url="sqlite://")
FAC = SETTINGS.facility_system


def _parse(tables: dict[str, Any], **kw: Any) -> Xml130File:
    return parse_xml130(giamdinhhs(hoso(clean(tables))), settings=SETTINGS, **kw)


def _episode(tables: dict[str, Any]) -> Xml130Episode:
    return _parse(tables).episodes[0]


def _resources(episode: Xml130Episode, kind: str) -> list[dict[str, Any]]:
    assert episode.bundle is not None, [str(m) for m in episode.messages]
    return [e["resource"] for e in episode.bundle["entry"] if e["resource"]["resourceType"] == kind]


def _errors(messages: list, **where: Any) -> list:
    return [m for m in messages if m.severity == "error"
            and all(getattr(m, k) == v for k, v in where.items())]  # fmt: skip


def test_outpatient_bundle_field_by_field() -> None:
    episode = _episode(outpatient())
    assert episode.ma_lk == "LK0001" and episode.facility == "79001"
    assert not _errors(episode.messages)
    entries = episode.bundle["entry"]
    # A plain create: the master patient index, not ifNoneExist, decides who it is.
    assert entries[0]["request"] == {"method": "POST", "url": "Patient"}
    assert entries[1]["resource"]["resourceType"] == "Encounter"  # the care claim first
    assert all(e["resource"]["resourceType"] != "Provenance" for e in entries)
    assert episode.provenance is not None and episode.provenance["target"]
    patient = entries[0]["resource"]
    assert patient["identifier"][0]["value"] == "079190001234"  # leading zero kept
    assert patient["name"][0] == {
        "use": "official",
        "text": "Nguyễn Thị Thu Hà",
        "family": "Nguyễn",
        "given": ["Thị", "Thu", "Hà"],
    }
    assert patient["birthDate"] == "1990-03-15" and patient["gender"] == "female"
    assert patient["address"][0]["city"] == "Phường Sài Gòn"
    assert patient["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "01"
    encounter = _resources(episode, "Encounter")[0]
    assert entries[1]["request"]["url"] == f"Encounter?identifier={FAC}|79001-LK0001"
    assert encounter["period"] == {
        "start": "2025-03-10T08:05:00+07:00",
        "end": "2025-03-10T11:30:00+07:00",
    }
    assert encounter["status"] == "finished" and encounter["class"]["code"] == "AMB"
    assert encounter["diagnosis"][0]["rank"] == 1
    assert encounter["serviceProvider"] == {  # resolved to the Organization when written
        "reference": f"Organization?identifier={FAC}|79001",
        "identifier": {"system": FAC, "value": "79001"}}
    codes = [c["code"]["coding"][0]["code"] for c in _resources(episode, "Condition")]
    assert codes == ["I10", "E11.9", "E78.5"]
    meds = _resources(episode, "MedicationRequest")
    assert len(meds) == 3
    assert b'"value":60.500' in jsonx.dumps(meds[1]["dispenseRequest"]["quantity"]).replace(
        b" ", b""
    )
    assert meds[0]["authoredOn"] == "2025-03-10T09:00:00+07:00"
    assert len(_resources(episode, "Procedure")) == 2  # the exam fee row is billing only
    labs = [
        o
        for o in _resources(episode, "Observation")
        if o.get("category", [{}])[0].get("coding", [{}])[0].get("code") == "laboratory"
    ]
    assert str(labs[0]["valueQuantity"]["value"]) == "6.10"
    assert labs[2]["valueString"] == "Âm tính"
    assert len(_resources(episode, "DiagnosticReport")) == 3
    vitals = {
        o["code"]["coding"][0]["code"]: o
        for o in _resources(episode, "Observation")
        if o.get("category", [{}])[0].get("coding", [{}])[0].get("code") == "vital-signs"
    }
    assert set(vitals) == {"8867-4", "8310-5", "85354-9", "9279-1"}
    assert vitals["8867-4"]["valueQuantity"]["unit"] == "/min"
    assert vitals["8310-5"]["valueQuantity"]["code"] == "Cel"
    bp = [c["valueQuantity"]["value"] for c in vitals["85354-9"]["component"]]
    assert [str(v) for v in bp] == ["120", "70"]
    document = _resources(episode, "DocumentReference")[0]
    assert base64.b64decode(document["content"][0]["attachment"]["data"]) == episode.source
    provenance = episode.provenance  # written by the server with the episode, not sent
    assert provenance is not None
    assert len(provenance["target"]) == len(entries) - 1  # every entry but its source
    assert provenance["entity"][0]["what"]["reference"] == entries[-1]["fullUrl"]


def test_several_cards() -> None:
    row = summary(
        MA_THE_BHYT="DN4797912345678;HT3797912345678",
        GT_THE_TU="20250101;20250301",
        GT_THE_DEN="20250228;20251231",
        MA_DKBD="79001;79002",
    )
    coverages = _resources(_episode({"XML1": [row]}), "Coverage")
    assert [c["identifier"][0]["value"] for c in coverages] == [
        "DN4797912345678",
        "HT3797912345678",
    ]
    assert coverages[1]["period"] == {"start": "2025-03-01", "end": "2025-12-31"}


@pytest.mark.parametrize(("value", "expected"), [
    ("199003150000", ("1990-03-15", None)),
    ("199003000000", ("1990-03", None)),
    ("199000000000", ("1990", None)),
    ("202503011430", ("2025-03-01", "2025-03-01T14:30:00+07:00")),
])  # fmt: skip
def test_birth_date_precision(value: str, expected: tuple) -> None:
    patient = _resources(_episode({"XML1": [summary(NGAY_SINH=value)]}), "Patient")[0]
    assert patient["birthDate"] == expected[0]
    born_at = patient.get("_birthDate", {}).get("extension", [{}])[0].get("valueDateTime")
    assert born_at == expected[1]


def _file_error(data: bytes, **kw: Any) -> Xml130File:
    result = parse_xml130(data, settings=SETTINGS, **kw)
    assert result.messages and result.messages[0].severity == "error"
    assert not result.episodes
    return result


def test_malformed_files() -> None:
    _file_error(b"<OTHER/>")
    _file_error(b"<GIAMDINHHS><unclosed></GIAMDINHHS>")
    _file_error("<GIAMDINHHS>Hà</GIAMDINHHS>".encode("cp1258", errors="replace") + b"\xff")
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><GIAMDINHHS>&a;</GIAMDINHHS>'
    assert "DOCTYPE" in _file_error(bomb).messages[0].en
    external = b'<!DOCTYPE x SYSTEM "http://evil.example/x.dtd"><GIAMDINHHS/>'
    _file_error(external)
    big = giamdinhhs(hoso(clean(outpatient())))
    assert "limit" in _file_error(big, max_bytes=100).messages[0].en


def test_missing_facility() -> None:
    result = parse_xml130(
        giamdinhhs(hoso({"XML1": [summary(MA_CSKCB=None)]}), facility=None), settings=SETTINGS
    )
    assert _errors(result.messages, field="MACSKCB")
    assert result.episodes[0].bundle is None


@pytest.mark.parametrize(("tables", "where"), [
    ({"XML1": "%%%not base64"}, {"table": "XML1", "field": "NOIDUNGFILE"}),
    ({"XML1": [summary(NGAY_VAO="10/03/2025")]}, {"table": "XML1", "row": 1, "field": "NGAY_VAO"}),
    ({"XML1": [summary(SO_CCCD="79190001234")]}, {"table": "XML1", "row": 1, "field": "SO_CCCD"}),
    ({"XML1": [summary(HO_TEN=None)]}, {"table": "XML1", "row": 1, "field": "HO_TEN"}),
    ({"XML1": [summary(NGAY_RA="202503090800")]}, {"table": "XML1", "row": 1, "field": "NGAY_RA"}),
    ({"XML1": [summary()], "XML2": [drug(1), drug(2, MA_LK="LK9999")]},
     {"table": "XML2", "row": 2, "field": "MA_LK"}),
    ({"XML1": [summary()], "XML4": [lab(1), lab(1)]}, {"table": "XML4", "row": 2, "field": "STT"}),
    ({"XML1": [summary()], "XML5": [course(1, THOI_DIEM_DBLS="2025-03-10")]},
     {"table": "XML5", "row": 1, "field": "THOI_DIEM_DBLS"}),
])  # fmt: skip
def test_record_errors(tables: dict[str, Any], where: dict[str, Any]) -> None:
    episode = _parse(tables).episodes[0]
    assert _errors(episode.messages, **where), [str(m) for m in episode.messages]
    assert episode.bundle is None


def test_doctype_inside_a_table() -> None:
    payload = b'<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><TONG_HOP>&x;</TONG_HOP>'
    episode = _parse({"XML1": payload}).episodes[0]
    assert _errors(episode.messages, table="XML1", field="NOIDUNGFILE")


def test_diagnosis_warnings() -> None:
    row = summary(MA_BENH_CHINH="Z000", MA_BENH_KT="N40;X999")  # not main; male only; unknown
    episode = _episode({"XML1": [row]})
    warnings = [(m.field, m.en) for m in episode.messages if m.severity == "warning"]
    assert ("MA_BENH_CHINH", "code 'Z00.0' is not allowed as the main diagnosis") in warnings
    assert ("MA_BENH_KT", "code 'N40' does not match the patient's sex") in warnings
    assert ("MA_BENH_KT", "ICD-10 code 'X99.9' is not in the QĐ 4469 list") in warnings
    assert episode.bundle is not None


def test_checkin() -> None:
    row = {k: v for k, v in summary().items() if k not in ("NGAY_RA",)}
    row.update(MA_DICH_VU="13.0001", NGAY_YL="202503100810")
    doc = (b'<?xml version="1.0" encoding="utf-8"?><CHI_TIEU_TRANG_THAI_KCB>'
           b"<DSACH_TRANG_THAI_KCB><TRANG_THAI_KCB>"
           + table("XML1", [row]).split(b"<TONG_HOP>")[1].split(b"</TONG_HOP>")[0]
           + b"</TRANG_THAI_KCB></DSACH_TRANG_THAI_KCB></CHI_TIEU_TRANG_THAI_KCB>")  # fmt: skip
    result = parse_checkin(doc, settings=SETTINGS)
    encounter = _resources(result.episodes[0], "Encounter")[0]
    assert encounter["status"] == "in-progress"
    assert parse_checkin(b"not xml", settings=SETTINGS).messages[0].severity == "error"


def test_each_drug_row_is_dispensed_under_its_request() -> None:
    tables = {"XML1": [summary()], "XML2": [drug(1, NGAY_TH_YL="202503100915"), drug(2)]}
    episode = _episode(tables)
    entries = {e["resource"]["identifier"][0]["value"]: e for e in episode.bundle["entry"]
               if e["resource"]["resourceType"] in ("MedicationRequest", "MedicationDispense")}
    request, dispense = entries["79001-LK0001-XML2-1"], entries["79001-LK0001-XML2-1-cap-phat"]
    assert dispense["request"] == {"method": "PUT", "url": "MedicationDispense?identifier="
                                   f"{FAC}|79001-LK0001-XML2-1-cap-phat"}  # fmt: skip
    given = dispense["resource"]
    assert given["status"] == "completed"
    assert given["authorizingPrescription"] == [{"reference": request["fullUrl"]}]
    assert given["medicationCodeableConcept"] == request["resource"]["medicationCodeableConcept"]
    codes = {c["system"].rsplit("/", 1)[1]: c["code"]
             for c in given["medicationCodeableConcept"]["coding"]}  # fmt: skip
    assert codes == {"ma-thuoc": "40.1", "so-dang-ky-thuoc": "VD-12345-10"}
    assert b'"value":30.000' in jsonx.dumps(given["quantity"]).replace(b" ", b"")
    assert given["quantity"]["unit"] == "Viên"
    assert given["whenHandedOver"] == "2025-03-10T09:15:00+07:00"
    assert given["context"] == request["resource"]["encounter"]
    assert given["performer"][0]["actor"]["identifier"]["value"] == "79001"
    assert "whenHandedOver" not in entries["79001-LK0001-XML2-2-cap-phat"]["resource"]


def test_a_malformed_dispense_time_names_the_field() -> None:
    episode = _parse({"XML1": [summary()], "XML2": [drug(1, NGAY_TH_YL="10/03/2025")]})
    assert _errors(episode.episodes[0].messages, table="XML2", row=1, field="NGAY_TH_YL")


def test_a_pre_2025_ward_code_is_converted_from_the_address() -> None:
    """MAXA_CU_TRU 26734, a Quận 1 commune code of before the 2025 merger, is no 2025
    ward: DIA_CHI names the old ward, district and city (Phường Bến Nghé, Quận 1), which
    the 2025 merger made Phường Sài Gòn (26740)."""
    row = summary(MAXA_CU_TRU="26734", DIA_CHI="12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh")
    episode = _episode({"XML1": [row]})
    [patient] = _resources(episode, "Patient")
    [address] = patient["address"]
    codes = {e["url"].rsplit("/", 1)[1]: e["valueCode"] for e in address["extension"]}
    assert codes == {"ma-xa": "26740", "ma-xa-cu": "26734"}
    assert address["city"] == "Phường Sài Gòn" and address["text"] == row["DIA_CHI"]
    [note] = [m for m in episode.messages if m.field == "MAXA_CU_TRU"]
    assert note.severity == "warning" and "26734" in note.en and "Sài Gòn" in note.en
    # Neither a 2025 code nor an address to convert from: kept as sent, with a warning.
    unknown = _episode({"XML1": [summary(MAXA_CU_TRU="99999", DIA_CHI="12 Lê Lợi")]})
    [kept] = _resources(unknown, "Patient")[0]["address"]
    assert kept["extension"] == [{"url": kept["extension"][0]["url"], "valueCode": "99999"}]
    assert "city" not in kept


def test_machine_of_a_service_is_kept_as_used_reference() -> None:
    """MA_MAY (the machine that performed the service) → Procedure.usedReference by
    identifier, every machine of a ";" list; a row without it names none."""
    from hoso.ingest.xml130.services import DEVICE_CODE as CS_MA_MAY
    from tests.ingest.xml130.files import service

    tables = {"XML1": [summary()],
              "XML3": [service(1, MA_MAY="XQ.1.79001.1;SA.2.79001.3"), service(2)]}
    first, second = _resources(_episode(tables), "Procedure")
    assert first["usedReference"] == [
        {"identifier": {"system": CS_MA_MAY, "value": "XQ.1.79001.1"},
         "display": "XQ.1.79001.1"},
        {"identifier": {"system": CS_MA_MAY, "value": "SA.2.79001.3"},
         "display": "SA.2.79001.3"},
    ]
    assert "usedReference" not in second
