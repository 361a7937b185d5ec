"""Search values of each kind: escaping, prefixes and precision ranges.

Rules from https://hl7.org/fhir/R4/search.html: `\\,` `\\|` `\\$` `\\\\` escape the
separators; ordered kinds take a two-letter prefix; a number's written precision makes
it a range (`100` is [99.5, 100.5), `100.0` is [99.95, 100.05)); a date's precision
does the same through `date_range`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hoso.core.errors import InvalidRequest, NotSupported
from hoso.core.text import fold
from hoso.fhir.dates import date_range
from hoso.fhir.search.ir import (
    DateValue,
    MissingValue,
    NumberValue,
    Prefix,
    ReferenceValue,
    StringValue,
    TokenValue,
    UriValue,
)

_UNESCAPE = re.compile(r"\\([\\,|$])")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE_PREFIXES = frozenset(Prefix) - {Prefix.AP}
_AP_FRACTION = Decimal("0.1")  # `ap` means within 10 % of the value (spec's suggestion)


def invalid_value(name: str, raw: str, reason: str = "") -> InvalidRequest:
    """The one wording for a malformed value, naming the parameter."""
    why = f" ({reason})" if reason else ""
    return InvalidRequest(
        f"Giá trị '{raw}' của tham số '{name}' không hợp lệ{why} / "
        f"Invalid value '{raw}' for search parameter '{name}'{why}",
        expression=[name],
    )


def split_escaped(text: str, sep: str) -> list[str]:
    """Split on `sep` where it is not escaped; pieces keep their escapes."""
    parts: list[str] = []
    start = i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == sep:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def split_prefix(name: str, raw: str) -> tuple[Prefix, str]:
    """`ge2020` → (ge, "2020"); no prefix means `eq`. Letters that are no prefix fail."""
    head = raw[:2]
    if len(raw) > 2 and head.isalpha():
        try:
            return Prefix(head), raw[2:]
        except ValueError:
            raise invalid_value(name, raw, "unknown prefix") from None
    return Prefix.EQ, raw


def parse_token(raw: str) -> TokenValue:
    parts = split_escaped(raw, "|")
    if len(parts) == 1:
        return TokenValue(None, unescape(parts[0]))
    system, code = unescape(parts[0]), unescape("|".join(parts[1:]))
    return TokenValue(system, code or None)


def parse_string(raw: str) -> StringValue:
    text = unescape(raw)
    return StringValue(text, fold(text))


def parse_uri(raw: str) -> UriValue:
    return UriValue(unescape(raw))


def parse_missing(name: str, raw: str) -> MissingValue:
    if raw not in ("true", "false"):
        raise invalid_value(name, raw, "expected true or false")
    return MissingValue(raw == "true")


def parse_date(name: str, raw: str) -> DateValue:
    prefix, text = split_prefix(name, raw)
    if prefix not in _DATE_PREFIXES:
        raise NotSupported(
            f"Tiền tố '{prefix}' chưa được hỗ trợ cho ngày ('{name}') / "
            f"Prefix '{prefix}' is not supported for dates ('{name}')",
            expression=[name],
        )
    # A '+' of a timezone offset arrives as a space when the client did not encode it.
    text = text.replace(" ", "+")
    try:
        low, high = date_range(text)
    except ValueError:
        raise invalid_value(name, raw, "not a FHIR date") from None
    return DateValue(prefix, low, high)


def parse_number(name: str, raw: str) -> NumberValue:
    prefix, text = split_prefix(name, raw)
    if not _NUMBER.fullmatch(text):
        raise invalid_value(name, raw, "not a number")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        raise invalid_value(name, raw, "not a number") from None
    exponent = value.as_tuple().exponent
    half = Decimal(5).scaleb(int(exponent) - 1)  # half a unit of the last written digit
    if prefix is Prefix.AP and value != 0:
        half = max(half, abs(value) * _AP_FRACTION)
    return NumberValue(prefix, value, value - half, value + half)


def parse_quantity(name: str, raw: str) -> NumberValue:
    """`[prefix]number[|system|code]`; `number||code` matches the code or the unit."""
    parts = split_escaped(raw, "|")
    if len(parts) not in (1, 3):
        raise invalid_value(name, raw, "expected number|system|code")
    number = parse_number(name, parts[0])
    if len(parts) == 1:
        return number
    system, code = unescape(parts[1]) or None, unescape(parts[2]) or None
    return NumberValue(number.prefix, number.value, number.low, number.high, system, code)


def parse_reference(name: str, raw: str, type_modifier: str | None) -> ReferenceValue:
    """`Type/id`, `Type/id/_history/n` (version ignored), bare `id`, or absolute URL."""
    text = unescape(raw)
    if "://" in text or text.startswith("urn:"):
        return ReferenceValue(url=text.split("|", 1)[0])  # canonical `url|version`
    parts = text.split("/")
    if len(parts) == 1 and text:
        return ReferenceValue(type_modifier, text)
    if len(parts) in (2, 4) and all(parts[:2]) and (len(parts) == 2 or parts[2] == "_history"):
        if type_modifier and parts[0] != type_modifier:
            raise invalid_value(name, raw, f"type differs from :{type_modifier}")
        return ReferenceValue(parts[0], parts[1])
    raise invalid_value(name, raw, "expected Type/id, id or an absolute URL")
