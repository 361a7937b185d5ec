"""The FHIRPath functions SQL on FHIR v2 requires that fhirpathpy 2.2.4 lacks (or gets
wrong), in the shape of fhirpathpy's invocation table: `{"fn": f(ctx, inputs, *args),
"arity": {n: [param kinds]}}`. `fhirpath.Expression` passes this table as the context's
`userInvocationTable`, which fhirpathpy consults after its own (so a name here wins).

- getResourceKey(), getReferenceKey([Type]): the spec's keys, here the resource's `id`
  and the id part of a relative reference `Type/id` (HOUSE choice: the store's resources
  are keyed by id within a type, so no surrogate key is needed).
- lowBoundary(), highBoundary(): FHIRPath 3.0 (STU) boundaries of decimals, dates,
  dateTimes and times, from the precision the value is written with.
- extension(url): every matching extension (fhirpathpy returns only the first).
- join([separator]): an empty collection joins to '' as the suite expects.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fhirpathpy.engine.nodes import FP_DateTime, FP_Time, ResourceNode, TypeInfo

__all__ = ["INVOCATIONS", "high_boundary", "low_boundary"]

REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
TIME = re.compile(r"^(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$")
ZONE = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
INTEGERS = {"integer", "positiveInt", "unsignedInt", "integer64"}


def _data(item: Any) -> Any:
    return item.data if isinstance(item, ResourceNode) else item


def _kind(item: Any) -> str | None:
    """The FHIR type of an item, as far as the boundary functions care."""
    if isinstance(item, ResourceNode) and item.path in {
        "date", "dateTime", "instant", "time", "decimal", *INTEGERS,
    }:  # fmt: skip
        return item.path
    value = _data(item)
    if isinstance(value, FP_Time):
        return "time"
    if isinstance(value, FP_DateTime):
        return "dateTime" if "T" in str(value) else "date"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (float, Decimal)):
        return "decimal"
    return None


def get_resource_key(ctx: Any, inputs: list[Any]) -> list[Any]:
    keys = []
    for item in inputs:
        value = _data(item)
        if isinstance(value, Mapping) and isinstance(value.get("id"), str):
            keys.append(value["id"])
    return keys


def get_reference_key(ctx: Any, inputs: list[Any], of_type: TypeInfo | None = None) -> list[Any]:
    wanted = of_type.name if isinstance(of_type, TypeInfo) else None
    keys = []
    for item in inputs:
        value = _data(item)
        reference = value.get("reference") if isinstance(value, Mapping) else None
        found = REFERENCE.search(reference) if isinstance(reference, str) else None
        if found and (wanted is None or found.group(1) == wanted):
            keys.append(found.group(2))
    return keys


def extension(ctx: Any, inputs: list[Any], url: Any) -> list[Any]:
    found = []
    for item in inputs:
        value = _data(item)
        if isinstance(value, Mapping):
            found.extend(
                ResourceNode.create_node(e, "Extension")
                for e in value.get("extension", ())
                if isinstance(e, Mapping) and e.get("url") == url
            )
    return found


def low_boundary(value: Any, kind: str) -> Any:
    return _boundary(value, kind, low=True)


def high_boundary(value: Any, kind: str) -> Any:
    return _boundary(value, kind, low=False)


def _boundary(value: Any, kind: str, *, low: bool) -> Any:
    if kind == "decimal" or kind in INTEGERS:
        number = Decimal(str(value))
        exponent = number.as_tuple().exponent
        half = Decimal(5).scaleb(int(exponent) - 1)  # half a unit of the last digit
        return number - half if low else number + half
    text = str(value)
    if kind == "time":
        return _time(text, low)
    if kind == "date":
        return _date(text, low)
    day, _, clock = text.partition("T")
    date = _date(day, low)
    if date is None:
        return None
    zone = ZONE.search(clock)
    if zone:
        clock = clock[: zone.start()]
    offset = zone.group(1) if zone else ("+14:00" if low else "-12:00")
    time = _time(clock or ("00:00:00.000" if low else "23:59:59.999"), low)
    return None if time is None else f"{date}T{time}{offset}"


def _date(text: str, low: bool) -> str | None:
    match = DATE.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    month = month or ("01" if low else "12")
    if not day:
        day = "01" if low else f"{calendar.monthrange(int(year), int(month))[1]:02d}"
    return f"{year}-{month}-{day}"


def _time(text: str, low: bool) -> str | None:
    match = TIME.match(text)
    if not match:
        return None
    hour, minute, second, fraction = match.groups()
    filler = "0" if low else "9"
    minute = minute or ("00" if low else "59")
    second = second or ("00" if low else "59")
    fraction = (fraction or "")[:3].ljust(3, filler)
    return f"{hour}:{minute}:{second}.{fraction}"


def _boundary_invocation(low: bool):
    def fn(ctx: Any, inputs: list[Any], precision: Any = None) -> list[Any]:
        results = []
        for item in inputs:
            kind = _kind(item)
            if kind is None:
                continue
            result = _boundary(_data(item), kind, low=low)
            if result is None:
                continue
            out_kind = "decimal" if kind in INTEGERS else kind
            if out_kind == "instant":
                out_kind = "dateTime"
            results.append(result if out_kind == "decimal" else ResourceNode(result, out_kind))
        return results

    return fn


def join(ctx: Any, inputs: list[Any], separator: Any = "") -> list[Any]:
    """The strings joined; an empty collection joins to '' (the suite's fhirpath.json,
    "string join"), where fhirpathpy returns empty."""
    strings = [_data(i) for i in inputs]
    if any(not isinstance(s, str) for s in strings):
        raise ValueError("join() cần chuỗi / join() needs strings")
    return [(separator if isinstance(separator, str) else "").join(strings)]


INVOCATIONS: dict[str, dict[str, Any]] = {
    "getResourceKey": {"fn": get_resource_key},
    "getReferenceKey": {"fn": get_reference_key, "arity": {0: [], 1: ["TypeSpecifier"]}},
    "lowBoundary": {"fn": _boundary_invocation(True), "arity": {0: [], 1: ["Integer"]}},
    "highBoundary": {"fn": _boundary_invocation(False), "arity": {0: [], 1: ["Integer"]}},
    "extension": {"fn": extension, "arity": {1: ["String"]}},
    "join": {"fn": join, "arity": {0: [], 1: ["String"]}},
}
