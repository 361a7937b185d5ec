"""Which facility is each ward's health station (trạm y tế xã, phường): read from the
store's Organizations, so the follow-up lists know each ward's team without a table of
their own (`hoso.access.publichealth_tracing.WardStations`).

A station is an Organization whose type says "Trạm y tế" (the Ministry's name for a
commune health station; the synthetic city and the facility register write it so) or
whose name begins so; its ward is its address's, resolved to the 2025 ward code; its
facility code the identifier in the facility system. Organizations are not personal
data; they are read as the operator `hoso-stations` (audited like any read) and kept
for ten minutes, so a station registered later is known within that time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from hoso.core import jsonx
from hoso.core.text import fold
from hoso.publichealth.case_detection import ward_of

REFRESH_SECONDS = 600.0
PAGE = 1000


def is_station(org: dict[str, Any]) -> bool:
    texts = [t.get("text", "") for t in org.get("type") or [] if isinstance(t, dict)]
    texts.append(str(org.get("name") or ""))
    return any(fold(t).startswith("tram y te") for t in texts)


def station_map(organizations: list[dict[str, Any]], facility_system: str) -> dict[str, str]:
    """Ward code → the facility code of its station (the first one found per ward)."""
    found: dict[str, str] = {}
    for org in organizations:
        ids = [i for i in org.get("identifier") or [] if isinstance(i, dict)]
        code = next((i.get("value") for i in ids if i.get("system") == facility_system), None)
        ward = ward_of(org) if is_station(org) and code else None
        if ward and ward not in found:
            found[ward] = str(code)
    return found


class StoreStations:
    def __init__(self, repo: Any, facility_system: str) -> None:
        """`repo`: the operator's repository, or a callable that makes it when first
        needed."""
        self._repo, self.facility_system = repo, facility_system
        self._lock = threading.Lock()
        self._loaded_at = -REFRESH_SECONDS
        self._stations: dict[str, str] = {}

    def _current(self) -> dict[str, str]:
        with self._lock:
            if time.monotonic() - self._loaded_at >= REFRESH_SECONDS:
                self._stations = station_map(self._organizations(), self.facility_system)
                self._loaded_at = time.monotonic()
            return self._stations

    def repo(self) -> Any:
        if callable(self._repo) and not hasattr(self._repo, "search"):
            self._repo = self._repo()
        return self._repo

    def _organizations(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        params = [("_count", str(PAGE)), ("_total", "none")]
        cursor = None
        while True:
            page = self.repo().search("Organization", params, cursor=cursor)
            found += [dict(jsonx.loads(hit.content)) for hit in page.matches]
            cursor = page.next_cursor
            if not cursor or len(found) > 200_000:
                return found

    def station_of(self, ward: str) -> str | None:
        return self._current().get(ward)

    def wards_of(self, facility: str) -> frozenset[str]:
        return frozenset(w for w, f in self._current().items() if f == facility)


def stations_of(state: Any) -> Any:
    """The app's ward stations (what tests configured as `ph_ward_stations`, else the
    store's Organizations read as the operator `hoso-stations`), made once per app so its
    ten-minute cache is shared by every request."""
    made = getattr(state, "ph_ward_stations", None) or getattr(state, "ward_stations", None)
    if made is None:
        from hoso.assembly import operator_repository

        made = StoreStations(lambda: operator_repository(state.store, "hoso-stations",
                                                         state.audit_trail),
                             state.store.settings.facility_system)  # fmt: skip
        state.ward_stations = made
    return made
