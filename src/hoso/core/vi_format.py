"""Numbers, percentages and dates written the Vietnamese way, for every page and every
line the CLI prints for people: "." groups thousands, "," marks decimals, a space before
"%", dates dd/mm/yyyy and times in Asia/Ho_Chi_Minh (TCVN 6909 usage, as the Ministry's
own forms write them). Babel would do this from CLDR data; these four rules are all the
pages need, and written here they cost no locale database at import time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["HCMC", "vi_date", "vi_datetime", "vi_number", "vi_percent"]

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")


def vi_number(value: float | int, places: int = 0) -> str:
    """12345.678, 2 → "12.345,68"; -0.5, 1 → "-0,5"."""
    text = f"{value:,.{places}f}"  # "12,345.68"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def vi_percent(fraction: float, places: int = 2) -> str:
    """0.0523 → "5,23 %"."""
    return f"{vi_number(fraction * 100, places)} %"


def vi_date(value: date | str | None) -> str:
    """A FHIR date at its own precision: "1990-04-12" → "12/04/1990", "1990-04" →
    "04/1990", "1990" → "1990"; a datetime gives its local (HCMC) day."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(HCMC).strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    instant = _instant(value)
    if instant is not None:  # "2026-12-06T20:30:00Z" is the 7th in Ho Chi Minh City
        return instant.astimezone(HCMC).strftime("%d/%m/%Y")
    parts = value[:10].split("-")
    if not all(part.isdigit() for part in parts):
        return value
    return "/".join(reversed(parts))


def _instant(text: str) -> datetime | None:
    """A FHIR dateTime/instant with its zone, or None (a date, or no zone: local)."""
    if len(text) <= 10 or "T" not in text:
        return None
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def vi_datetime(value: datetime | float | str) -> str:
    """An instant as "dd/mm/yyyy HH:MM" in Asia/Ho_Chi_Minh (a float is epoch seconds, a
    string a FHIR instant)."""
    if isinstance(value, str):
        found = _instant(value)
        if found is None:
            return vi_date(value)
        value = found
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(HCMC).strftime("%d/%m/%Y %H:%M")
