"""The interconnection benchmarks of issue 16 (`bench.xml130_day`,
`bench.gateway_senders`, `bench.mllp_rate`) run end to end at a tiny size, so that
they cannot rot: the same generators, the real `hoso` processes, every visit or message
taken. Both databases."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import gateway_senders, mllp_rate, xml130_day, xml130_files
from hoso.core.settings import Settings
from hoso.ingest.hl7v2.bundle import to_bundle
from hoso.ingest.hl7v2.message import parse_message
from hoso.ingest.xml130 import parse_xml130


@pytest.fixture(autouse=True)
def code_lists(tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # fmt: skip
    """The Ministry's code lists of ../shared/data/vn, or, where that folder is absent
    (a fresh clone), stand-ins in their layout holding only the generator's codes."""
    if (xml130_files.DATA / "icd10-qd4469").is_dir():
        yield
        return
    data = tmp_path_factory.mktemp("vn")
    (data / "icd10-qd4469").mkdir()
    with (data / "icd10-qd4469" / "icd10.csv").open("w", newline="", encoding="utf-8") as f:
        rows = [["title"], ["title"], ["header"]]
        rows += [[""] * 16 + [c, c.replace(".", ""), c, f"(tên) {c}"] for c in
                 xml130_files.DIAGNOSES]  # fmt: skip
        csv.writer(f).writerows(rows)
    (data / "icd9cm-qd4440").mkdir()
    with (data / "icd9cm-qd4440" / "dmicd9.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["matuongduong", "tenchuyenkhoa21", "maicd9"])
        out.writerows([c, f"(dịch vụ) {c}", "89.52"] for c in
                      xml130_files.DIAGNOSTICS + xml130_files.PROCEDURES)  # fmt: skip
    monkeypatch.setattr(xml130_files, "DATA", data)
    yield


def test_a_generated_visit_parses_without_a_message(tmp_path: Path) -> None:
    made = xml130_files.day_files(3, xml130_files.today(), out=tmp_path)
    parsed = parse_xml130(made.files[0].read_bytes(), settings=Settings(database_url="sqlite://"))
    (episode,) = parsed.episodes
    # A HIS's files as they leave it, unsigned here (a test key would not be theirs):
    # nothing to say about them but that.
    assert not parsed.messages
    assert [(m.field, m.severity) for m in episode.messages] == [("CHUKYDONVI", "warning")]
    assert episode.bundle is not None
    kinds = {e["resource"]["resourceType"] for e in episode.bundle["entry"]}
    assert {"Patient", "Encounter", "MedicationRequest", "Procedure", "Observation",
            "DiagnosticReport", "DocumentReference"} <= kinds  # fmt: skip


def test_a_generated_lab_message_maps_without_an_error() -> None:
    message = parse_message(mllp_rate.oru(4, xml130_files.today()))
    result = to_bundle(message, settings=Settings(database_url="sqlite://"), facility="79100")
    assert not result.errors and result.bundle is not None


@pytest.mark.slow
def test_xml130_day_takes_every_visit(tmp_path: Path, database_url: str) -> None:
    result = xml130_day.run(3, database_url, day=xml130_files.today(), files=tmp_path,
                             analyze_every=1.0, write=False)  # fmt: skip
    assert result["records_refused"] == 0
    assert result["resources_stored"]["Encounter"] == 3
    assert result["visits_per_s"] > 0


@pytest.mark.slow
@pytest.mark.live
def test_gateway_senders_get_every_visit_accepted(tmp_path: Path, database_url: str) -> None:
    result = gateway_senders.run(4, database_url, senders=2, files=tmp_path, write=False)
    assert result["answers"] == {"200": 4}, result["errors"]
    assert result["resources_stored"]["Encounter"] == 4


@pytest.mark.slow
@pytest.mark.live
def test_mllp_rate_gets_every_message_acknowledged(database_url: str) -> None:
    result = mllp_rate.run(4, database_url, connections=[1, 2], write=False)
    assert [r["acks"] for r in result["rounds"]] == [{"AA": 4}, {"AA": 4}]
    assert result["resources_stored"]["DiagnosticReport"] == 8
