"""Every identifier rule of a Patient in one pass: CCCD, BHYT card, mã số BHXH, passport.

The write path calls this once per Patient. Malformed values (wrong length or
characters) are errors and stop the write; what is only suspicious (unknown BHYT group,
a level that does not fit the group, an unknown province code, a card whose BHXH number
is not the Patient's) is a warning stored with the record, because the lists we check
against are incomplete and a real card must never be refused for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hoso.core.errors import Issue
from hoso.core.settings import Settings
from hoso.identity.bhyt import BhytCard, bhyt_warnings, parse_bhxh, parse_bhyt
from hoso.identity.cccd import check_patient_cccd
from hoso.identity.passport import is_passport, parse_passport, passport_country, passport_warnings

__all__ = ["check_patient_identifiers"]


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


def _error(message: str, path: str) -> Issue:
    return Issue("error", "value", message, (path,))


def _warning(message: str, *paths: str) -> Issue:
    return Issue("warning", "business-rule", message, paths)


def check_patient_identifiers(
    patient: dict[str, Any], settings: Settings, *, at: datetime | None = None
) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings) for all identifiers of `patient`, each pointing at
    `Patient.identifier[i].value`; `at` is the moment CCCD currency is judged at."""
    errors, warnings = check_patient_cccd(patient, settings.cccd_system, at=at)
    cards: list[tuple[str, BhytCard]] = []
    bhxh: list[tuple[str, str]] = []
    for i, ident in _identifiers(patient):
        path = f"Patient.identifier[{i}].value"
        system, value = ident.get("system"), ident.get("value")
        try:
            if system == settings.bhyt_system:
                card = parse_bhyt(value)
                cards.append((path, card))
                warnings.extend(_warning(m, path) for m in bhyt_warnings(card))
            elif system == settings.bhxh_system:
                bhxh.append((path, parse_bhxh(value)))
            elif system != settings.cccd_system and is_passport(ident):
                parse_passport(value, passport_country(ident))
                warnings.extend(_warning(m, path) for m in passport_warnings(ident))
        except ValueError as exc:
            errors.append(_error(str(exc), path))
    warnings.extend(_number_mismatches(cards, bhxh))
    return errors, warnings


def _number_mismatches(
    cards: list[tuple[str, BhytCard]], bhxh: list[tuple[str, str]]
) -> list[Issue]:
    """A 15-character card carries the holder's lifelong BHXH number in its last 10
    digits; a different separate number means one of them belongs to someone else."""
    if not bhxh:
        return []
    numbers = {number for _, number in bhxh}
    found = []
    for path, card in cards:
        if card.kind == "15" and card.number not in numbers:
            listed = ", ".join(sorted(numbers))
            found.append(_warning(_msg(
                f"Mã số BHXH {card.number} trong mã thẻ BHYT {card.value} không khớp mã số "
                f"BHXH của người bệnh ({listed})",
                f"Social-insurance number {card.number} in BHYT card {card.value} does not "
                f"match the Patient's social-insurance number ({listed})"),
                path, *(p for p, _ in bhxh)))
    return found


def _identifiers(patient: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    identifiers = patient.get("identifier")
    if not isinstance(identifiers, list):
        return []
    return [(i, ident) for i, ident in enumerate(identifiers) if isinstance(ident, dict)]
