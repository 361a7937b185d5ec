"""`hoso surveillance population load|synth` and `hoso surveillance daily` as a user runs
them, on both databases: denominators from a CSV (a bad file stores nothing, exit 2,
both languages), synthetic ones for the demo, and the daily job storing alarms once."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hoso.store.engine import make_engine
from hoso.store.publichealth_series import SqlSurveillance
from tests.cli.conftest import hoso
from tests.publichealth.case_rows import Case, enable_diseases, insert_cases


def test_population_from_a_csv_and_synthetic(database_url: str, tmp_path: Path) -> None:
    good = tmp_path / "dan-so.csv"
    good.write_text("ward,year,population\n26740,2026,45000\n26743,2026,30000\n",
                    encoding="utf-8")  # fmt: skip
    loaded = hoso("surveillance", "population", "load", str(good), database_url=database_url)
    assert loaded.returncode == 0, loaded.stderr
    assert "2 dòng / rows" in loaded.stdout
    made = hoso("surveillance", "population", "synth", "--year", "2025", "--total", "1000000",
                database_url=database_url)  # fmt: skip
    assert made.returncode == 0, made.stderr
    engine = make_engine(database_url)
    try:
        rows = SqlSurveillance(engine)
        assert rows.population(2026)["26740"] == 45_000  # the file's, the latest year
        synthetic = rows.population(2025)
        assert len(synthetic) == 168 and abs(sum(synthetic.values()) - 1_000_000) < 200
    finally:
        engine.dispose()


@pytest.mark.parametrize(("text", "words"), [
    ("ward,year\n26740,2026\n", "Dòng 1"),
    ("ward,year,population\n99999,2026,100\n", "không thuộc 168"),
    ("ward,year,population\n26740,1900,100\n", "năm không hợp lệ"),
    ("ward,year,population\n26740,2026,-5\n", "dân số phải là số nguyên"),
    ("ward,year,population\n26740,2026,5\n26740,2026,6\n", "trùng phường"),
    ("ward,year,population\n", "không có dòng số liệu"),
])  # fmt: skip
def test_a_bad_file_stores_nothing(database_url: str, tmp_path: Path, text: str,
                                   words: str) -> None:  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    result = hoso("surveillance", "population", "load", str(bad), database_url=database_url)
    assert result.returncode == 2 and words in result.stderr and " / " in result.stderr
    assert "Traceback" not in result.stderr
    missing = hoso("surveillance", "population", "load", str(tmp_path / "none.csv"),
                   database_url=database_url)  # fmt: skip
    assert missing.returncode == 2 and "Cannot read the file" in missing.stderr


def test_the_daily_job_stores_alarms_once(database_url: str) -> None:
    engine = make_engine(database_url)
    day = date(2026, 11, 30)  # a Monday: the week judged is 23–29/11, the last complete
    judged = date(2026, 11, 23)
    cases = [Case("dengue", "26740", (judged - timedelta(weeks=w)).isoformat())
             for w in range(1, 5)]  # one a week for 4 weeks …
    cases += [Case("dengue", "26740", judged.isoformat())] * 6  # … then 6
    try:
        insert_cases(engine, cases)
        enable_diseases(engine, ["dengue"])
    finally:
        engine.dispose()
    first = hoso("surveillance", "daily", "--date", day.isoformat(), "--format", "json",
                 database_url=database_url)  # fmt: skip
    assert first.returncode == 0, first.stderr
    run = json.loads(first.stdout)
    # The ward and the city, each by dengue's Farrington (its definition) and the city's
    # four-week view.
    assert run["week"] == "2026-11-23" and run["signals_added"] == 4
    again = hoso("surveillance", "daily", "--date", day.isoformat(), "--format", "json",
                 database_url=database_url)  # fmt: skip
    assert json.loads(again.stdout)["signals_added"] == 0
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM ph_signal")).scalar_one()
            methods = set(conn.execute(sa.text("SELECT method FROM ph_signal")).scalars())
        assert count == 4 and methods == {"farrington", "four-week"}
    finally:
        engine.dispose()
    bad = hoso("surveillance", "daily", "--date", "07/12/2026", database_url=database_url)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
