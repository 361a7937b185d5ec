"""The drugs a register shows for a resident: active MedicationRequests and
MedicationStatements whose ATC code falls under the programme's groups
(`data/chronic.json` drugs_atc: C02, C03, C07, C08, C09 for hypertension; A10 for
diabetes). A request is current while `active`; a statement while `active` or
`intended`. Names are the prescription's text (Vietnamese, with strength) or the
coding's display."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hoso.programmes.framework import Record

__all__ = ["ATC", "current_drugs"]

ATC = "http://www.whocc.no/atc"
_CURRENT = {"MedicationRequest": ("active",), "MedicationStatement": ("active", "intended")}


def _atc_and_name(resource: Mapping[str, Any]) -> tuple[list[str], str]:
    concept = resource.get("medicationCodeableConcept") or {}
    codings = [c for c in concept.get("coding") or [] if isinstance(c, Mapping)]
    atc = [str(c.get("code") or "") for c in codings if c.get("system") == ATC]
    name = concept.get("text") or next((c.get("display") for c in codings if c.get("display")), "")
    return atc, str(name)


def current_drugs(record: Record, groups: Sequence[str]) -> list[str]:
    """Names of the current drugs in the ATC groups, each once, in record order."""
    names: dict[str, None] = {}
    for rtype, statuses in _CURRENT.items():
        for resource in record.of(rtype):
            if resource.get("status") not in statuses:
                continue
            atc, name = _atc_and_name(resource)
            if name and any(code.startswith(tuple(groups)) for code in atc):
                names[name] = None
    return list(names)
