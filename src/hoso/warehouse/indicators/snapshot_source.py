"""The real indicator source: the group-1 analyses over the warehouse's current snapshot,
on DuckDB, computed once per snapshot and kept until a newer build is published.

Every consumer (the API, the pages, the DHIS2 and MeasureReport exports) reads through
`IndicatorSource`; this one answers from the values of the snapshot `CURRENT` names when
asked. A newer build is noticed at the next question and its values computed then, once
(a lock keeps two requests from computing them twice). The day of point prevalence is
the snapshot's build day (Asia/Ho_Chi_Minh); immunisation coverage covers that year and
the two before it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hoso.core import clock
from hoso.warehouse.indicators.definitions import DEFINITIONS
from hoso.warehouse.indicators.model import WARD, IndicatorDef, IndicatorValue
from hoso.warehouse.indicators.source import EMPTY, StaticSource
from hoso.warehouse.snapshots import Snapshot, Warehouse

__all__ = ["SnapshotSource", "snapshot_values"]

COVERAGE_YEARS = 3


def snapshot_values(snapshot: Snapshot, as_of: date | None = None) -> list[IndicatorValue]:
    """Every group-1 indicator's values over `snapshot` (DuckDB through Ibis)."""
    from hoso.warehouse.engine import ibis_tables
    from hoso.warehouse.indicators.group1 import Parameters, analyse_all
    from hoso.warehouse.indicators.values import values

    day = as_of or _built_day(snapshot)
    params = Parameters(as_of=day.isoformat(),
                        years=tuple(range(day.year - COVERAGE_YEARS + 1, day.year + 1)))
    _backend, tables = ibis_tables(snapshot)
    found: list[IndicatorValue] = []
    for code, expression in analyse_all(tables, params).items():
        found.extend(values(code, expression))
    return found


def _built_day(snapshot: Snapshot) -> date:
    """The local day (Asia/Ho_Chi_Minh) the snapshot was built."""
    built = str(snapshot.info.get("built_at") or "")
    try:
        moment = datetime.fromisoformat(built.replace("Z", "+00:00"))
    except ValueError:
        return clock.today_vn()
    return moment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


class SnapshotSource:
    def __init__(self, root: Path | str) -> None:
        self.warehouse = Warehouse(Path(root))
        self._lock = threading.Lock()
        self._build: str | None = None
        self._source: StaticSource = EMPTY

    def _current(self) -> StaticSource:
        snapshot = self.warehouse.current()
        if snapshot is None:
            return EMPTY
        with self._lock:
            if self._build != snapshot.root.name:
                self._source = StaticSource(DEFINITIONS, snapshot_values(snapshot))
                self._build = snapshot.root.name
            return self._source

    def definitions(self) -> Sequence[IndicatorDef]:
        return DEFINITIONS

    def values(self, code: str, *, period: str | None = None, org_kind: str = WARD
               ) -> Sequence[IndicatorValue]:  # fmt: skip
        return self._current().values(code, period=period, org_kind=org_kind)
