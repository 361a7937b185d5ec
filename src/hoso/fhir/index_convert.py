"""FHIR datatype values → index rows, one converter per search-parameter kind.

The mapping follows the type tables of https://hl7.org/fhir/R4/search.html (token,
string, date, reference, quantity, number, uri). Values a kind cannot use (a Range
for a quantity parameter, an unparsable date) are skipped: validation rejects bad
data before the write path, and indexing must never fail a write that passed it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from hoso.core.jsonx import is_number
from hoso.core.text import fold as fold_uncached
from hoso.fhir.dates import date_range
from hoso.fhir.fastpath import TypedValue
from hoso.fhir.index_values import (
    DATE_MAX,
    DATE_MIN,
    DateValue,
    IndexValues,
    QuantityValue,
    ReferenceValue,
    StringValue,
    TokenValue,
    UriValue,
)
from hoso.fhir.references import parse_reference
from hoso.fhir.searchparams import SearchParam

__all__ = ["CONVERTERS", "Converter"]

Converter = Callable[[SearchParam, Iterable[TypedValue], IndexValues], None]

_DATE_TYPES = frozenset({"date", "dateTime", "instant"})
_QUANTITY_TYPES = frozenset(
    {"Quantity", "SimpleQuantity", "Age", "Duration", "Distance", "Count", "MoneyQuantity"}
)
_CURRENCY_SYSTEM = "urn:iso:std:iso:4217"
# Folding costs ~2 µs (NFD + mark filtering) and the same names, places and display
# texts recur across parameters and resources, so a bounded cache pays for itself.
_fold = lru_cache(maxsize=65_536)(fold_uncached)


def _folded(text: Any) -> str | None:
    return (_fold(text) or None) if isinstance(text, str) else None


def _codeable_concept_tokens(code: str, concept: dict[str, Any]) -> list[TokenValue]:
    """One row per coding; `text` prefers CodeableConcept.text. A display that differs
    from it gets a text-only row so `:text` finds either wording."""
    concept_text = _folded(concept.get("text"))
    rows: list[TokenValue] = []
    for coding in concept.get("coding") or ():
        if type(coding) is not dict:
            continue
        display = _folded(coding.get("display"))
        if coding.get("code") is not None or coding.get("system") is not None:
            rows.append(
                TokenValue(code, coding.get("system"), coding.get("code"), concept_text or display)
            )
        if display is not None and concept_text is not None and display != concept_text:
            rows.append(TokenValue(code, None, None, display))
    if concept_text is not None and not rows:
        rows.append(TokenValue(code, None, None, concept_text))
    return rows


def _token_rows(code: str, value_type: str, value: Any) -> list[TokenValue]:
    if isinstance(value, bool):
        return [TokenValue(code, None, "true" if value else "false")]
    if isinstance(value, str):  # code, id, string, uri, ...
        return [TokenValue(code, None, value)]
    if not isinstance(value, dict):
        return []
    if value_type == "CodeableConcept":
        return _codeable_concept_tokens(code, value)
    if value_type == "Coding":
        if value.get("code") is None and value.get("system") is None:
            return []
        display = _folded(value.get("display"))
        return [TokenValue(code, value.get("system"), value.get("code"), display)]
    if value_type == "Identifier":
        if value.get("value") is None and value.get("system") is None:
            return []
        type_text = _folded((value.get("type") or {}).get("text"))
        return [TokenValue(code, value.get("system"), value.get("value"), type_text)]
    if value_type == "ContactPoint":
        # The spec indexes only ContactPoint.value; `phone`/`email` select by system.
        contact = value.get("value")
        return [TokenValue(code, None, contact)] if isinstance(contact, str) else []
    return []


def tokens(param: SearchParam, values: Iterable[TypedValue], out: IndexValues) -> None:
    for value_type, value in values:
        out.tokens.extend(_token_rows(param.code, value_type, value))


def _string_row(code: str, text: Any) -> StringValue | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return StringValue(code, text, _fold(text))


def _name_parts(name: dict[str, Any]) -> list[Any]:
    """Each part of a HumanName, plus the whole name in both orders: Vietnamese
    "family given…" ("Nguyễn Văn An") and Western "given… family" ("Văn An Nguyễn"),
    so a prefix search on either spelling of the full name finds it."""
    family = name.get("family")
    given = [g for g in name.get("given") or () if isinstance(g, str)]
    parts: list[Any] = [family, *given, *(name.get("prefix") or ()), *(name.get("suffix") or ())]
    parts.append(name.get("text"))
    if isinstance(family, str) and given:
        parts.append(" ".join([family, *given]))
        parts.append(" ".join([*given, family]))
    return parts


def _address_parts(address: dict[str, Any]) -> list[Any]:
    keys = ("city", "district", "state", "postalCode", "country", "text")
    return [*(address.get("line") or ()), *(address.get(k) for k in keys)]


def strings(param: SearchParam, values: Iterable[TypedValue], out: IndexValues) -> None:
    for value_type, value in values:
        if not isinstance(value, dict):
            parts = [value]  # string, markdown, ...
        elif value_type == "HumanName":
            parts = _name_parts(value)
        elif value_type == "Address":
            parts = _address_parts(value)
        else:
            continue  # other complex types have no string form in the spec
        for part in parts:
            row = _string_row(param.code, part)
            if row is not None:
                out.strings.append(row)


def _bounds(text: Any) -> tuple[int, int] | None:
    if not isinstance(text, str):
        return None
    try:
        return date_range(text)
    except ValueError:
        return None


def _period_range(period: dict[str, Any]) -> tuple[int, int] | None:
    """An open end of a Period extends to the end of time (and an open start to its
    beginning), as https://hl7.org/fhir/R4/datatypes.html#Period says."""
    start, end = _bounds(period.get("start")), _bounds(period.get("end"))
    if start is None and end is None:
        return None
    return (start[0] if start else DATE_MIN), (end[1] if end else DATE_MAX)


def _timing_range(timing: dict[str, Any]) -> tuple[int, int] | None:
    """Only the outer limits of a schedule matter for search: its events and bounds."""
    ranges = [r for r in map(_bounds, timing.get("event") or ()) if r is not None]
    bounds = (timing.get("repeat") or {}).get("boundsPeriod")
    if isinstance(bounds, dict) and (period := _period_range(bounds)) is not None:
        ranges.append(period)
    if not ranges:
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def dates(param: SearchParam, values: Iterable[TypedValue], out: IndexValues) -> None:
    for value_type, value in values:
        if value_type in _DATE_TYPES:
            found = _bounds(value)
        elif not isinstance(value, dict):
            found = None
        elif value_type == "Period":
            found = _period_range(value)
        elif value_type == "Timing":
            found = _timing_range(value)
        else:
            found = None
        if found is not None:
            out.dates.append(DateValue(param.code, found[0], found[1]))


def references(param: SearchParam, values: Iterable[TypedValue], out: IndexValues) -> None:
    for value_type, value in values:
        if value_type == "Reference" and isinstance(value, dict):
            text = value.get("reference")
        elif value_type in ("canonical", "uri", "url"):
            text = value
        else:
            continue
        parsed = parse_reference(text) if isinstance(text, str) else None
        if parsed is None:
            continue
        known_type = parsed.resource_type
        if known_type is not None and param.targets and known_type not in param.targets:
            continue  # e.g. a Practitioner in a Patient-only parameter
        out.references.append(
            ReferenceValue(param.code, parsed.resource_type, parsed.resource_id, parsed.url)
        )


def _number(value: Any) -> float | None:
    """The index keeps a float: precision-aware search compares ranges, so a decimal's
    extra digits are not needed there (the stored resource keeps them)."""
    if not is_number(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def quantities(param: SearchParam, values: Iterable[TypedValue], out: IndexValues) -> None:
    for value_type, value in values:
        if not isinstance(value, dict):
            continue
        if value_type in _QUANTITY_TYPES:
            number = _number(value.get("value"))
            if number is not None:
                system, unit_code = value.get("system"), value.get("code")
                out.quantities.append(
                    QuantityValue(param.code, number, system, unit_code, value.get("unit"))
                )
        elif value_type == "Money":
            number = _number(value.get("value"))
            if number is not None:
                currency = value.get("currency")
                out.quantities.append(
                    QuantityValue(param.code, number, _CURRENCY_SYSTEM, currency, currency)
                )


def numbers(param: SearchParam, values: Iterable[TypedValue], out: IndexValues) -> None:
    for _, value in values:
        number = _number(value)
        if number is not None:
            out.quantities.append(QuantityValue(param.code, number))


def uris(param: SearchParam, values: Iterable[TypedValue], out: IndexValues) -> None:
    for _, value in values:
        if isinstance(value, str) and value:
            out.uris.append(UriValue(param.code, value))


CONVERTERS: dict[str, Converter] = {
    "token": tokens,
    "string": strings,
    "date": dates,
    "reference": references,
    "quantity": quantities,
    "number": numbers,
    "uri": uris,
}
