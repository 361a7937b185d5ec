"""`hoso quality run` and `hoso quality report` (hoso.cli.quality), run as an operator
would, on both databases: counts per rule, facility and ward, a trend across runs, and
clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from hoso.store.engine import make_engine
from tests.cli.conftest import hoso
from tests.ingest.quality import world


def _ndjson(path: Path, resources: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in resources))
    return path


@pytest.fixture
def city(database_url: str, tmp_path: Path) -> str:
    """The small city of tests/ingest/quality/world.py, loaded by `hoso import`."""
    resources = [world.organization(), world.resident_a(), world.resident_b(),
                 world.heavy_weight(), world.unknown_diagnosis()]  # fmt: skip
    path = _ndjson(tmp_path / "city.ndjson", resources)
    result = hoso("import", str(path), "--no-progress", database_url=database_url)
    assert result.returncode == 0, result.stderr
    return database_url


def _sections(out: str) -> dict[str, list[list[str]]]:
    """The report's blocks: heading → rows (split on spaces), the column line dropped."""
    found: dict[str, list[list[str]]] = {}
    for block in out.split("\n\n"):
        heading, _columns, *rows = [*block.strip().splitlines(), "", ""]
        # "50,00 %" is one cell: the Vietnamese percent has a space before its sign.
        found[heading] = [row.replace(" %", "%").split() for row in rows if row.strip()]
    return found


def _count(database_url: str, sql: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar_one()
    engine.dispose()
    return int(value)


def test_import_stores_findings_then_run_and_report_give_counts_and_a_trend(
    city: str, tmp_path: Path
) -> None:
    # `hoso import` already stored the write-time findings.
    assert _count(city, "SELECT count(*) FROM quality_issue WHERE rule = 'DUNG-005'") == 1
    first = hoso("quality", "run", database_url=city)
    assert first.returncode == 0, first.stderr
    assert "DUNG-005: 1" in first.stdout and "SACH-002: 1" in first.stdout
    assert "Lần chạy / run 1: 5 tài nguyên / resources" in first.stdout

    fixed = _ndjson(tmp_path / "fix.ndjson", [world.heavy_weight(70)])
    assert hoso("import", str(fixed), "--no-progress", database_url=city).returncode == 0
    second = hoso("quality", "run", database_url=city)
    assert second.returncode == 0 and "DUNG-005" not in second.stdout
    assert _count(city, "SELECT count(*) FROM quality_run WHERE finished IS NOT NULL") == 2

    table = hoso("quality", "report", database_url=city)
    assert table.returncode == 0, table.stderr
    out = table.stdout
    assert "Lần chạy / run 2" in out
    sections = _sections(out)
    by_rule = {row[0]: row for row in sections["Theo quy tắc / By rule"]}
    assert by_rule["SACH-002"][1:4] == ["2", "1", "50,00%"]  # checked, failing, rate
    assert by_rule["DUNG-005"][1:4] == ["1", "0", "0,00%"]
    trend = {
        row[0]: row[1:] for row in sections["Xu hướng tỷ lệ không đạt / Trend of failing rates"]
    }
    assert trend["DUNG-005"] == ["100,00%", "0,00%"]
    assert trend["SACH-002"] == ["50,00%", "50,00%"]
    assert "50,00 %" in out and "50.00%" not in out  # as the pages write it
    wards = {row[0]: row for row in sections["Theo phường/xã / By ward"]}
    assert set(wards) == {world.WARD_BEN_THANH, world.WARD_SAI_GON}
    assert " ".join(wards[world.WARD_SAI_GON][4:]) == "Phường Sài Gòn"
    facilities = {row[0] for row in sections["Theo cơ sở / By facility"]}
    assert world.FACILITY in facilities

    as_json = hoso("quality", "report", "--format", "json", "--ward", world.WARD_SAI_GON,
                   database_url=city)  # fmt: skip
    body = json.loads(as_json.stdout)
    assert body["ward"] == world.WARD_SAI_GON and len(body["trend"]) == 2
    rules = {r["rule"]: r for r in body["rules"]}
    assert (rules["DUNG-001"]["checked"], rules["DUNG-001"]["failing"]) == (1, 1)
    facility = hoso("quality", "report", "--format", "json", "--facility", world.FACILITY,
                    "--runs", "1", database_url=city)  # fmt: skip
    body = json.loads(facility.stdout)
    assert len(body["trend"]) == 1 and "DUNG-001" not in {r["rule"] for r in body["rules"]}


def test_report_before_any_run_says_so(database_url: str) -> None:
    result = hoso("quality", "report", database_url=database_url)
    assert result.returncode == 1
    assert "Chưa có lần kiểm tra nào" in result.stderr and "No run yet" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--ward", "123"], "Mã phường/xã phải gồm 5 chữ số"),
        (["--runs", "abc"], "Số lần chạy phải từ 1 đến 52"),
        (["--runs", "0"], "Số lần chạy phải từ 1 đến 52"),
        (["--facility", "a b"], "Mã cơ sở không hợp lệ"),
        (["--format", "xml"], "chỉ nhận table hoặc json"),
    ],
)
def test_bad_arguments_are_refused_in_both_languages(
    database_url: str, args: list[str], words: str
) -> None:
    result = hoso("quality", "report", *args, database_url=database_url)
    assert result.returncode == 2
    assert words in result.stderr and " / " in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_subcommand_and_bad_database_url_fail_without_traceback(tmp_path: Path) -> None:
    unknown = hoso("quality", "fix", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    for url in ("nosuchdb://nowhere", "postgresql://postgres@127.0.0.1:1/khong_co"):
        for command in (["run"], ["report"]):
            bad = hoso("quality", *command, database_url=url)
            assert bad.returncode == 1, bad.stderr
            assert "Traceback" not in bad.stderr, bad.stderr
            assert "Không mở được cơ sở dữ liệu / Cannot open the database" in bad.stderr
