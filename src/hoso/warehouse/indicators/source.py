"""Where indicator values come from, for every consumer alike (the exchange, the API,
the pages, the CLI): a protocol, so the consumers are written before and apart from the
analyses that compute the values, and an in-memory source of values already computed.

The lead's pipeline wires the real source (the group-1 analyses over the warehouse's
tables); until then the API and the pages read `EMPTY`, which has nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from hoso.warehouse.indicators.model import (
    CITY,
    FACILITY,
    WARD,
    IndicatorDef,
    IndicatorValue,
)

__all__ = ["EMPTY", "IndicatorSource", "SourceFileError", "StaticSource", "static_source"]


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
MAX_FILE_VALUES = 1_000_000


class SourceFileError(ValueError):
    """A values file that is not `{"definitions": [...], "values": [...]}` as below."""


def _fields(raw: object, where: str, types: dict[str, tuple[type, ...]],
            required: tuple[str, ...]) -> dict[str, Any]:  # fmt: skip
    if not isinstance(raw, dict):
        raise SourceFileError(f"{where}: phải là một đối tượng / must be an object")
    unknown = sorted(set(raw) - set(types))
    if unknown:
        raise SourceFileError(f"{where}.{unknown[0]}: không biết / unknown field")
    for name in required:
        if name not in raw:
            raise SourceFileError(f"{where}.{name}: bắt buộc / required")
    for name, value in raw.items():
        if value is None and name == "denominator":  # a count
            continue
        if not isinstance(value, types[name]) or isinstance(value, bool):
            raise SourceFileError(f"{where}.{name}: sai kiểu / wrong type")
    return raw


_NUMBER = (int, float)
_DEF = {"code": (str,), "name_vi": (str,), "name_en": (str,), "group": (int,), "scale": (int,),
        "unit_vi": (str,), "categories": (list,), "description_vi": (str,),
        "description_en": (str,), "source": (str,)}  # fmt: skip
_VALUE = {"indicator": (str,), "period": (str,), "org_kind": (str,), "org": (str,),
          "numerator": _NUMBER, "denominator": _NUMBER, "categories": (dict,)}  # fmt: skip


def _definition(raw: object, where: str) -> IndicatorDef:
    found = _fields(raw, where, _DEF, ("code", "name_vi", "name_en", "group", "scale",
                                       "unit_vi"))  # fmt: skip
    cats = found.get("categories") or []
    if not all(isinstance(c, str) for c in cats):
        raise SourceFileError(f"{where}.categories: các chuỗi / strings")
    return IndicatorDef(**{**found, "categories": tuple(cats)})


def _value(raw: object, where: str, codes: set[str]) -> IndicatorValue:
    found = _fields(raw, where, _VALUE, ("indicator", "period", "org_kind", "org", "numerator"))
    if found["indicator"] not in codes:
        raise SourceFileError(f"{where}.indicator: không có định nghĩa / no such definition")
    if found["org_kind"] not in (CITY, WARD, FACILITY):
        raise SourceFileError(f"{where}.org_kind: city, ward hoặc facility / or facility")
    cats = found.get("categories") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in cats.items()):
        raise SourceFileError(f"{where}.categories: chuỗi → chuỗi / string → string")
    return IndicatorValue(**{**found, "categories": dict(cats)})


def static_source(raw: object) -> StaticSource:
    """A source from a values file's JSON: `{"definitions": [IndicatorDef's fields],
    "values": [IndicatorValue's fields]}`, checked whole (`SourceFileError` names where)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("definitions"), list) \
            or not isinstance(raw.get("values", []), list):  # fmt: skip
        raise SourceFileError('$: {"definitions": [...], "values": [...]}')
    if len(raw.get("values", [])) > MAX_FILE_VALUES:
        raise SourceFileError(f"values: quá {MAX_FILE_VALUES} / more than {MAX_FILE_VALUES}")
    defs = [_definition(d, f"definitions[{i}]") for i, d in enumerate(raw["definitions"])]
    codes = {d.code for d in defs}
    return StaticSource(defs, [_value(v, f"values[{i}]", codes)
                               for i, v in enumerate(raw.get("values", []))])
