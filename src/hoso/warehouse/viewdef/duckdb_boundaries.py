"""lowBoundary() and highBoundary() of dates, dateTimes, instants and times, in SQL.

FHIRPath's boundaries fill what a partial value leaves out: `1970-06` is 1970-06-01 at the
lowest and 1970-06-30 at the highest; a dateTime without a zone spans every zone (+14:00
to -12:00); fractions of seconds are filled to milliseconds. The Python runner gives the
same text (https://hl7.org/fhirpath/N1/#lowboundaryprecision-integer-date-datetime-time).
Decimals are not compiled: DuckDB's JSON reader keeps a number's value, not its written
precision (`1.50` reads as `1.5`), and the boundary of a decimal depends on that precision.
"""

from __future__ import annotations

from hoso.warehouse.viewdef.duckdb_values import quote_text

_DATE = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
_TIME = r"(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
_ZONE = r"(Z|[+-]\d{2}:\d{2})?$"
PATTERNS = {
    "date": (_DATE + "$", ["y", "mo", "d"]),
    "dateTime": (_DATE + f"(?:T{_TIME}{_ZONE[:-1]})?$", ["y", "mo", "d", "h", "mi", "s", "f", "z"]),
    "time": ("^" + _TIME + "$", ["h", "mi", "s", "f"]),
}
TEMPORAL = ("date", "dateTime", "instant", "time")


def boundary(text: str, kind: str, low: bool) -> str:
    """The boundary of the temporal text `text` (FHIR type `kind`) as SQL text, NULL when
    the text is not of that type."""
    kind = "dateTime" if kind == "instant" else kind
    pattern, names = PATTERNS[kind]
    parts = f"regexp_extract({text}, {quote_text(pattern)}, {names!r})"
    if kind == "time":
        return f"CASE WHEN {parts}.h <> '' THEN {_clock(parts, low)} END"
    date = _date(parts, low)
    if kind == "date":
        return f"CASE WHEN {parts}.y <> '' THEN {date} END"
    zone = f"coalesce(nullif({parts}.z, ''), {quote_text('+14:00' if low else '-12:00')})"
    return f"CASE WHEN {parts}.y <> '' THEN {date} || 'T' || {_clock(parts, low)} || {zone} END"


def _date(parts: str, low: bool) -> str:
    month = f"coalesce(nullif({parts}.mo, ''), {quote_text('01' if low else '12')})"
    if low:
        day = f"coalesce(nullif({parts}.d, ''), '01')"
    else:
        first = f"make_date(CAST({parts}.y AS INTEGER), CAST({month} AS INTEGER), 1)"
        last = f"strftime(last_day({first}), '%d')"
        day = f"coalesce(nullif({parts}.d, ''), {last})"
    return f"{parts}.y || '-' || {month} || '-' || {day}"


def _clock(parts: str, low: bool) -> str:
    hour = f"coalesce(nullif({parts}.h, ''), {quote_text('00' if low else '23')})"
    minute = f"coalesce(nullif({parts}.mi, ''), {quote_text('00' if low else '59')})"
    second = f"coalesce(nullif({parts}.s, ''), {quote_text('00' if low else '59')})"
    fill = quote_text("0" if low else "9")
    fraction = f"rpad(left({parts}.f, 3), 3, {fill})"
    return f"{hour} || ':' || {minute} || ':' || {second} || '.' || {fraction}"
