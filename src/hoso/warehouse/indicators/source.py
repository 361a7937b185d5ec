"""Where indicator values come from, for every consumer alike (the exchange, the API,
the pages, the CLI): a protocol, so the consumers are written before and apart from the
analyses that compute the values, and an in-memory source of values already computed.

The lead's pipeline wires the real source (the group-1 analyses over the warehouse's
tables); until then the API and the pages read `EMPTY`, which has nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from hoso.warehouse.indicators.model import WARD, IndicatorDef, IndicatorValue

__all__ = ["EMPTY", "IndicatorSource", "StaticSource"]


class IndicatorSource(Protocol):
    def definitions(self) -> Sequence[IndicatorDef]: ...

    def values(self, code: str, *, period: str | None = None, org_kind: str = WARD
               ) -> Sequence[IndicatorValue]: ...  # fmt: skip


class StaticSource:
    """Definitions and values held in memory (values computed once, a file read back,
    a test's hand-made numbers). `period=None` gives every period."""

    def __init__(self, definitions: Iterable[IndicatorDef] = (),
                 values: Iterable[IndicatorValue] = ()) -> None:  # fmt: skip
        self._definitions = tuple(definitions)
        self._values: dict[tuple[str, str], list[IndicatorValue]] = {}
        for value in values:
            self._values.setdefault((value.indicator, value.org_kind), []).append(value)

    def definitions(self) -> Sequence[IndicatorDef]:
        return self._definitions

    def values(self, code: str, *, period: str | None = None, org_kind: str = WARD
               ) -> Sequence[IndicatorValue]:  # fmt: skip
        found = self._values.get((code, org_kind), [])
        return [v for v in found if period is None or v.period == period]


EMPTY = StaticSource()
