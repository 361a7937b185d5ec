"""What the matcher compares: one flat row of normalised demographics per Patient.

Both paths build rows here, so the batch (DuckDB columns) and the online scorer (Python
dicts) see identical values.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from hoso.core.text import fold
from hoso.identity.addresses import ward_key
from hoso.identity.birth_dates import swapped_day_month
from hoso.identity.cccd import current_cccds
from hoso.identity.names import name_parts
from hoso.identity.phones import normalise_phone

__all__ = ["FEATURE_COLUMNS", "Features", "patient_features"]

Features = dict[str, str | None]

FEATURE_COLUMNS = (
    "patient_id",
    "family",  # folded: "Nguyễn" and "NGUYEN" → "nguyen"
    "middle",
    "given",
    "given_marked",  # lower case with marks kept: tells "Thuận" from "Thuần"
    "birth_date",  # yyyy-mm-dd, as recorded; None when only the year or month is known
    "birth_swapped",  # day and month exchanged, when that is another valid date
    "birth_month",  # yyyy-mm, from a full date or a partial one (FHIR allows yyyy-mm)
    "birth_year",  # yyyy, from a date of any precision (FHIR allows yyyy)
    "sex",
    "cccd",  # the first current CCCD
    "phone",  # national 10/11-digit form
    "ward",  # NSO code of the home address's ward (else its folded name)
    "line",  # folded street line
)


# A FHIR `date` at any of its three precisions: yyyy, yyyy-mm, yyyy-mm-dd.
_FHIR_DATE = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?")


def _lower_marked(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _marked_given(name: dict[str, Any], given: str) -> str:
    """The given name as written (lower case, marks kept), wherever the name put it."""
    words: list[str] = []
    for part in (name.get("family"), *(name.get("given") or ()), name.get("text")):
        if isinstance(part, str):
            words.extend(part.split())
    for word in reversed(words):
        if fold(word) == given:
            return _lower_marked(word)
    return given


def _home_address(patient: dict[str, Any]) -> dict[str, Any] | None:
    addresses = [a for a in patient.get("address") or () if isinstance(a, dict)]
    home = [a for a in addresses if a.get("use") == "home"]
    return (home or addresses or [None])[0]


def _official_name(patient: dict[str, Any]) -> dict[str, Any] | None:
    names = [n for n in patient.get("name") or () if isinstance(n, dict)]
    official = [n for n in names if n.get("use") in ("official", "usual")]
    return (official or names or [None])[0]


def _phone(patient: dict[str, Any]) -> str | None:
    for contact in patient.get("telecom") or ():
        if isinstance(contact, dict) and contact.get("system") == "phone":
            value = contact.get("value")
            phone = normalise_phone(value) if isinstance(value, str) else None
            if phone:
                return phone
    return None


def _birth(patient: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(full date, yyyy-mm, yyyy) of the birth date; a partial date ("1990", "1990-05")
    fills only the parts it knows, so it compares at its own precision."""
    value = patient.get("birthDate")
    if not isinstance(value, str) or not _FHIR_DATE.fullmatch(value):
        return None, None, None
    return (value if len(value) == 10 else None, value[:7] if len(value) >= 7 else None,
            value[:4])  # fmt: skip


def patient_features(patient: dict[str, Any], cccd_system: str) -> Features:
    """The comparison row of one Patient; a missing element is None, never ''."""
    name = _official_name(patient)
    parts = name_parts(name) if name else None
    marked = _marked_given(name, parts.given) if name and parts and parts.given else ""
    birth, birth_month, birth_year = _birth(patient)
    address = _home_address(patient)
    lines = [x for x in (address or {}).get("line") or () if isinstance(x, str)]
    cccds = current_cccds(patient, cccd_system)
    gender = patient.get("gender")
    return {
        "patient_id": str(patient.get("id")),
        "family": (parts.family or None) if parts else None,
        "middle": (parts.middle or None) if parts else None,
        "given": (parts.given or None) if parts else None,
        "given_marked": marked or None,
        "birth_date": birth,
        "birth_swapped": swapped_day_month(birth) if birth else None,
        "birth_month": birth_month,
        "birth_year": birth_year,
        "sex": gender if gender in ("male", "female", "other") else None,
        "cccd": cccds[0] if cccds else None,
        "phone": _phone(patient),
        # The NSO code of the (post-2025) ward, so "P. Bến Nghé, Q.1" meets "Phường Sài Gòn".
        "ward": ward_key(address) if address else None,
        "line": fold(lines[0]) if lines and lines[0].strip() else None,
    }
