"""`hoso warehouse export-dhis2` and `hoso warehouse measure-report` as the operator runs
them, on SQLite and PostgreSQL: values from a values file (the warehouse's own source is
not wired yet: empty), the DHIS2 export as JSON and CSV with the unmapped values listed
on stderr, MeasureReports as a Bundle that validates, each run audited as the
operator's read; a bad period, format, values file or mapping, an unknown indicator:
exit 2 with the reason, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from hoso.cli import app
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from hoso.warehouse.indicators.source import SourceFileError, static_source

VALUES = {
    "definitions": [
        {"code": "visits", "name_vi": "Số lượt khám", "name_en": "Visits", "group": 1,
         "scale": 1, "unit_vi": "lượt"},
        {"code": "coverage", "name_vi": "Tỷ lệ tiêm chủng", "name_en": "Coverage", "group": 1,
         "scale": 100, "unit_vi": "%", "categories": ["sex"]}],
    "values": [
        {"indicator": "visits", "period": "2026-11", "org_kind": "ward", "org": "26740",
         "numerator": 12},
        {"indicator": "visits", "period": "2026-11", "org_kind": "city", "org": "79",
         "numerator": 40},
        {"indicator": "coverage", "period": "2026-11", "org_kind": "ward", "org": "26740",
         "numerator": 45, "denominator": 50},
        {"indicator": "coverage", "period": "2026-11", "org_kind": "ward", "org": "26740",
         "numerator": 20, "denominator": 25, "categories": {"sex": "female"}}]}  # fmt: skip
MAPPING = {"format": "hoso-dhis2-mapping", "version": "cli.1",
           "dataElements": {"visits": {"numerator": "VisitsDE01x"}},
           "orgUnits": {"ward": {"26740": "OuSaiGon001"},
                        "city": {"79": "OuHcmCity01"}}}  # fmt: skip


def _files(tmp_path: Path) -> tuple[Path, Path]:
    values, mapping = tmp_path / "values.json", tmp_path / "mapping.json"
    values.write_text(json.dumps(VALUES, ensure_ascii=False), encoding="utf-8")
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    return values, mapping


def _run(database_url: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["warehouse", *args],
                              env={"HOSO_DATABASE_URL": database_url})  # fmt: skip


def test_the_dhis2_export_as_json_and_csv(store: SqlStore, database_url: str,
                                          tmp_path: Path) -> None:  # fmt: skip
    values, mapping = _files(tmp_path)
    done = _run(database_url, "export-dhis2", "--period", "2026-11", "--values", str(values),
                "--mapping", str(mapping))  # fmt: skip
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    assert {(r["dataElement"], r["orgUnit"], r["period"], r["value"])
            for r in body["dataValues"]} == {("VisitsDE01x", "OuSaiGon001", "202611", "12"),
                                             ("VisitsDE01x", "OuHcmCity01", "202611", "40")}
    # coverage has no data element: both its values listed, none dropped in silence.
    assert "2 giá trị chưa có ánh xạ (ánh xạ cli.1)" in done.stderr
    assert "coverage 2026-11 ward:26740 [sex=female] → data-element" in done.stderr
    out = tmp_path / "dhis2.csv"
    done = _run(database_url, "export-dhis2", "--period", "2026-11", "--format", "csv",
                "--values", str(values), "--mapping", str(mapping), "--out", str(out))
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][:6] == ["dataelement", "period", "orgunit", "categoryoptioncombo",
                           "attributeoptioncombo", "value"]  # fmt: skip
    assert sorted(r[5] for r in rows[1:]) == ["12", "40"]
    e = schema.audit_event
    with store.engine.connect() as conn:
        roles = conn.execute(sa.select(e.c.role, e.c.outcome)
                             .where(e.c.subtype == "warehouse-dhis2")).all()  # fmt: skip
    assert [tuple(r) for r in roles] == [("operator", "0")] * 2


def test_without_a_values_file_the_warehouse_is_empty(store: SqlStore,
                                                      database_url: str) -> None:  # fmt: skip
    done = _run(database_url, "export-dhis2", "--period", "2026")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"dataValues": []}
    done = _run(database_url, "measure-report", "visits", "--period", "2026-11")
    assert done.exit_code == 2 and "Không có chỉ số visits" in done.output


def test_measure_reports_as_a_bundle(store: SqlStore, database_url: str,
                                     tmp_path: Path) -> None:  # fmt: skip
    values, _ = _files(tmp_path)
    done = _run(database_url, "measure-report", "coverage", "--period", "2026-11",
                "--values", str(values))  # fmt: skip
    assert done.exit_code == 0, done.output
    bundle = json.loads(done.stdout)
    Bundle.model_validate(bundle)
    (report,) = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    group = report["group"][0]
    assert group["measureScore"]["value"] == 90.0  # 45 / 50 as %
    assert group["stratifier"][0]["stratum"][0]["measureScore"]["value"] == 80.0  # 20 / 25
    assert report["subject"]["display"] == "Phường Sài Gòn"


@pytest.mark.parametrize(("args", "says"), [
    (["export-dhis2", "--period", "2026-13"], "period"),
    (["export-dhis2", "--period", "2026-11", "--format", "xml"], "--format"),
    (["measure-report", "nothing", "--period", "2026-11", "--values", "VALUES"], "nothing"),
    (["measure-report", "visits", "--org", "district", "--values", "VALUES"], "org"),
    (["export-dhis2", "--period", "2026-11", "--values", "BROKEN"], "values[0].numerator"),
    (["export-dhis2", "--period", "2026-11", "--mapping", "BADMAP"], "numerator"),
    (["export-dhis2", "--period", "2026-11", "--values", "MISSING"], "MISSING"),
])  # fmt: skip
def test_bad_input_exits_2_with_the_reason(store: SqlStore, database_url: str, tmp_path: Path,
                                           args: list[str], says: str) -> None:  # fmt: skip
    values, _ = _files(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**VALUES, "values": [{**VALUES["values"][0],
                                                         "numerator": "12"}]}))  # fmt: skip
    badmap = tmp_path / "badmap.json"
    badmap.write_text(json.dumps({**MAPPING, "dataElements": {"visits": {"numerator": "1x"}}}))
    files = {"VALUES": str(values), "BROKEN": str(broken), "BADMAP": str(badmap),
             "MISSING": str(tmp_path / "MISSING.json")}  # fmt: skip
    done = _run(database_url, *[files.get(a, a) for a in args])
    assert done.exit_code == 2, done.output
    assert says in done.output and "Traceback" not in done.output


@pytest.mark.parametrize(("raw", "where"), [
    ([], "$"),
    ({"definitions": [{"code": "x"}]}, "definitions[0].name_vi"),
    ({"definitions": [{**VALUES["definitions"][0], "scale": True}]}, "definitions[0].scale"),
    ({"definitions": [{**VALUES["definitions"][0], "extra": 1}]}, "definitions[0].extra"),
    ({"definitions": VALUES["definitions"],
      "values": [{**VALUES["values"][0], "indicator": "other"}]}, "values[0].indicator"),
    ({"definitions": VALUES["definitions"],
      "values": [{**VALUES["values"][0], "org_kind": "district"}]}, "values[0].org_kind"),
    ({"definitions": VALUES["definitions"],
      "values": [{**VALUES["values"][0], "categories": {"sex": 1}}]}, "values[0].categories"),
    ({"definitions": VALUES["definitions"],
      "values": [{**VALUES["values"][0], "org": None}]}, "values[0].org"),
])  # fmt: skip
def test_a_values_file_is_checked_whole(raw: object, where: str) -> None:
    with pytest.raises(SourceFileError, match=re.escape(where)):
        static_source(raw)
    fine = static_source(VALUES)
    assert [v.numerator for v in fine.values("visits", org_kind="city")] == [40]
