"""`hoso warehouse export-dhis2 --period YYYY-MM|YYYY [--format json|csv] [--out FILE]`
and `hoso warehouse measure-report CODE --period … [--org ward|facility|city]`: the
aggregate exchange (issue 20 point 6) on the server's machine, as the operator, audited
like the API (`hoso.access.warehouse_reports`).

The values are read from `source_for(store)` (the warehouse's indicators), or from a
values file (`--values FILE.json`: `{"definitions": [...], "values": [...]}`, the fields
of `IndicatorDef` and `IndicatorValue`) computed elsewhere. `export-dhis2` lists on
stderr the values the mapping (`--mapping FILE.json`, else the packaged one) cannot place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core import jsonx
from hoso.core.errors import FhirError

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository
    from hoso.store.sql_store import SqlStore
    from hoso.warehouse.exchange.dhis2 import Dhis2Export
    from hoso.warehouse.exchange.dhis2_mapping import Dhis2Mapping
    from hoso.warehouse.indicators.source import IndicatorSource

__all__ = ["export_dhis2", "measure_report", "source_for"]

ValuesFile = Annotated[Path | None, typer.Option(
    "--values", help="tệp giá trị JSON thay cho kho / a values file instead of the warehouse")]
SHOWN_UNMAPPED = 20


def source_for(store: SqlStore) -> IndicatorSource:
    """The warehouse's indicators over `store`'s deployment: the group-1 analyses over the
    current snapshot of its warehouse (HOSO_WAREHOUSE_DIR), nothing before a build."""
    from hoso.warehouse.indicators.snapshot_source import SnapshotSource

    return SnapshotSource(store.settings.warehouse_dir)


def _source(store: SqlStore, values: Path | None) -> IndicatorSource:
    from hoso.warehouse.indicators.source import SourceFileError, static_source

    if values is None:
        return source_for(store)
    try:
        return static_source(json.loads(values.read_text(encoding="utf-8")))
    except (OSError, ValueError, SourceFileError) as exc:
        fail(f"{values}: {exc}", code=2)


def _mapping(path: Path | None) -> Dhis2Mapping:
    from hoso.warehouse.exchange.dhis2_mapping import packaged_mapping, parse_mapping

    if path is None:
        return packaged_mapping()
    try:
        return parse_mapping(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        fail(f"{path}: {exc}", code=2)


def dhis2_text(repo: AccessRepository, source: IndicatorSource, mapping: Dhis2Mapping,
               period: str, form: str) -> tuple[str, Dhis2Export]:  # fmt: skip
    """The export of `period` as DHIS2 reads it (`form` json or csv), read as `repo`'s
    caller."""
    from hoso.api.warehouse_routes import read_dhis2

    _, found = read_dhis2(repo, source, mapping, period, query=f"period={period}")
    if form == "csv":
        return found.csv_text(), found
    return jsonx.dumps_str(found.data_value_set()), found


def _write(text: str, out: Path | None, what: str) -> None:
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        typer.echo(f"{out}: {what}")


def export_dhis2(period: Annotated[str, typer.Option(help="YYYY-MM hoặc/or YYYY")],
                 form: Annotated[str, typer.Option("--format", help="json | csv")] = "json",
                 out: Annotated[Path | None, typer.Option(help="tệp / file")] = None,
                 mapping: Annotated[Path | None, typer.Option(
                     help="ánh xạ UID DHIS2 / DHIS2 UID mapping (JSON)")] = None,
                 values: ValuesFile = None, database_url: DatabaseUrl = None) -> None:
    """Xuất số liệu tổng hợp cho DHIS2 / The DHIS2 aggregate export."""
    if form not in ("json", "csv"):
        fail("--format: json hoặc csv / json or csv", code=2)
    chosen = _mapping(mapping)
    store = open_store(database_url)
    try:
        source = _source(store, values)
        with as_operator(store) as repo:
            text, found = dhis2_text(repo, source, chosen, period, form)
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()
    _write(text, out, f"{len(found.data_values)} giá trị / data values")
    if found.unmapped:
        typer.echo(f"{len(found.unmapped)} giá trị chưa có ánh xạ (ánh xạ {found.mapping_version})"
                   f" / values without a mapping:", err=True)  # fmt: skip
        for u in found.unmapped[:SHOWN_UNMAPPED]:
            typer.echo(f"  {u.indicator} {u.period} {u.org_kind}:{u.org} [{u.categories}] "
                       f"→ {u.reason}", err=True)  # fmt: skip
        if len(found.unmapped) > SHOWN_UNMAPPED:
            typer.echo(f"  … ({len(found.unmapped) - SHOWN_UNMAPPED})", err=True)


def measure_report(code: Annotated[str, typer.Argument(help="mã chỉ số / indicator code")],
                   period: Annotated[str | None, typer.Option(help="YYYY-MM | YYYY")] = None,
                   org: Annotated[str, typer.Option(help="ward | facility | city")] = "ward",
                   out: Annotated[Path | None, typer.Option(help="tệp / file")] = None,
                   values: ValuesFile = None, database_url: DatabaseUrl = None) -> None:
    """MeasureReport của một chỉ số / An indicator's MeasureReports (a FHIR Bundle)."""
    from hoso.api.warehouse_routes import read_values, report_bundle

    store = open_store(database_url)
    try:
        source = _source(store, values)
        with as_operator(store) as repo:
            d, found = read_values(repo, source, code, period, org,
                                   query=f"period={period or ''}&org={org}")  # fmt: skip
            bundle = report_bundle(d, found)
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()
    _write(jsonx.dumps_str(bundle), out, f"{bundle['total']} MeasureReport")
