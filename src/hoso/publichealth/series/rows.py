"""The rows this package reads and writes, as the store answers them
(`hoso.store.publichealth_series.SqlSurveillance`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Protocol

__all__ = ["SurveillanceRows"]


class SurveillanceRows(Protocol):
    def counts(self, *, basis: str, interval: str, first: str, last: str,
               classifications: Sequence[str], disease: str | None = None,
               wards: AbstractSet[str] | None = None
               ) -> list[tuple[str, str | None, str, int]]: ...  # fmt: skip
    def population(self, year: int) -> dict[str, int]: ...
    def add_signals(self, alarms: Iterable[dict[str, object]], now: int) -> int: ...
    def standing_foci(self) -> dict[tuple[str, str], str]: ...
    def add_focus(self, **values: Any) -> int: ...
    # what officers do (hoso.publichealth.response)
    def signals(self, *, status: str | None, disease: str | None, limit: int,
                offset: int = 0) -> list[Any]: ...  # fmt: skip
    def signal(self, signal_id: int) -> Any | None: ...
    def decide_signal(self, signal_id: int, *, was: str, status: str, agent: str, at: int,
                      note: str | None, focus_id: int | None = None) -> bool: ...  # fmt: skip
    def focus_from_signal(self, signal_id: int, *, was: str, agent: str, at: int,
                          note: str | None, focus: dict[str, object]
                          ) -> int | None: ...  # fmt: skip
    def foci(self, *, status: str | None, disease: str | None, limit: int,
             offset: int = 0) -> list[Any]: ...  # fmt: skip
    def focus(self, focus_id: int) -> Any | None: ...
    def open_focus(self, disease: str, ward: str) -> Any | None: ...
    def move_focus(self, focus_id: int, *, was: str, status: str, at: int,
                   response_deadline_at: int | None = None) -> bool: ...  # fmt: skip
    def add_focus_report(self, **report: object) -> bool: ...
    def focus_reports(self, focus_id: int) -> list[Any]: ...
