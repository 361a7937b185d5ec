"""`hoso import-xml130` (issue 16 point 2): back-loading a facility's XML 130 files as
the operator, through the one intake; the facility checked; refusals named by table,
row and field; exit 1 when a record was refused. Both databases."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.conftest import hoso
from tests.ingest.xml130.files import giamdinhhs, outpatient, summary
from tests.ingest.xml130.files import hoso as record
from tests.ingest.xml130.signing import sign


def _facility(tmp_path: Path, database_url: str) -> None:
    org = {"resourceType": "Organization", "active": True, "name": "Trạm y tế",
           "identifier": [{"system": "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb",
                           "value": "79001"}]}  # fmt: skip
    path = tmp_path / "org.ndjson"
    path.write_bytes(orjson.dumps(org) + b"\n")
    assert hoso("import", str(path), "--no-progress", database_url=database_url).returncode == 0


def test_a_folder_of_files_is_taken(tmp_path: Path, database_url: str) -> None:
    _facility(tmp_path, database_url)
    folder = tmp_path / "2025" / "03"
    folder.mkdir(parents=True)
    for n in range(3):
        tables = outpatient()
        tables["XML1"] = [summary(MA_LK=f"LK{n}", SO_CCCD=f"07919000{n:04d}")]
        for name in ("XML2", "XML3", "XML4", "XML5"):
            tables[name] = [{**row, "MA_LK": f"LK{n}"} for row in tables[name]]
        (folder / f"hoso-{n}.xml").write_bytes(giamdinhhs(record(tables)))
    done = hoso("import-xml130", str(tmp_path / "2025"), "--facility", "79001", "--no-progress",
                database_url=database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Tệp / files: 3, hồ sơ / records: 3, bị từ chối / refused: 0" in done.stdout
    again = hoso("import-xml130", str(tmp_path / "2025"), "--facility", "79001",
                 "--no-progress", database_url=database_url)  # fmt: skip
    assert again.returncode == 0  # resubmitting replaces: nothing refused, nothing doubled


def test_refusals_are_named_and_exit_1(tmp_path: Path, database_url: str) -> None:
    _facility(tmp_path, database_url)
    other = tmp_path / "other.xml"
    other.write_bytes(giamdinhhs(record(outpatient()), facility="79002"))
    bad = tmp_path / "bad.xml"
    tables = outpatient()
    tables["XML1"] = [summary(NGAY_RA="202503090800")]  # before the admission
    bad.write_bytes(giamdinhhs(record(tables)))
    done = hoso("import-xml130", str(other), str(bad), "--facility", "79001", "--no-progress",
                database_url=database_url)  # fmt: skip
    assert done.returncode == 1
    assert "79002" in done.stderr
    assert "XML1 dòng 1 NGAY_RA" in done.stderr
    assert "refused: 2" in done.stdout


def test_a_signature_is_required_when_the_setting_says_so(tmp_path: Path,
                                                         database_url: str) -> None:  # fmt: skip
    _facility(tmp_path, database_url)
    unsigned, signed = tmp_path / "unsigned.xml", tmp_path / "signed.xml"
    unsigned.write_bytes(giamdinhhs(record(outpatient())))
    signed.write_bytes(sign(giamdinhhs(record(outpatient()))))
    done = hoso("import-xml130", str(unsigned), str(signed), "--facility", "79001",
                "--no-progress", database_url=database_url,
                HOSO_XML130_REQUIRE_SIGNATURE="1")  # fmt: skip
    assert done.returncode == 1
    assert "error GIAMDINHHS CHUKYDONVI: chưa ký số" in done.stderr
    assert not [line for line in done.stderr.splitlines()
                if "/signed.xml" in line and "CHUKYDONVI" in line]  # fmt: skip
    assert "refused: 1" in done.stdout
