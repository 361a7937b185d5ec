"""Which antigens an Immunization counts for: the vaccine product → antigens table
(`hoso/programmes/data/vaccines.json`), or the record's own
`protocolApplied.targetDisease` when it names the diseases.

The antigen is kept apart from the product because the schedule counts antigens: a
5-in-1 DTwP-HepB-Hib dose is a diphtheria, a tetanus, a pertussis, a Hib and a hepatitis
B dose at once (issue 19).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from hoso.programmes.immunisation.schedule import ScheduleError

__all__ = ["VaccineTable", "load_vaccine_table", "packaged_vaccine_table"]

# A disease entry may say "polio": which polio series the dose is (oral or injected) is
# the product's to say, not the disease's.
POLIO = "polio"
POLIO_SERIES = frozenset({"polio_oral", "polio_inactivated"})
ICD10 = "icd-10"  # any ICD-10 system URI (WHO, the Ministry's): matched by code prefix


@dataclass(frozen=True, slots=True)
class VaccineTable:
    version: str
    antigens: frozenset[str]
    products: dict[tuple[str, str], frozenset[str]]
    diseases: dict[tuple[str, str], frozenset[str]]

    def product_antigens(self, concept: Any) -> frozenset[str]:
        for system, code in _codings(concept):
            found = self.products.get((system, code))
            if found is not None:
                return found
        return frozenset()

    def disease_antigens(self, concept: Any) -> frozenset[str]:
        for system, code in _codings(concept):
            if ICD10 in system.lower():
                plain = code.upper().replace(".", "")
                # the longest listed prefix: A83.0 is JE, A83 alone is not
                for length in range(len(plain), 2, -1):
                    found = self.diseases.get((ICD10, plain[:length]))
                    if found is not None:
                        return found
            elif (system, code) in self.diseases:
                return self.diseases[system, code]
        return frozenset()

    def antigens_of(self, immunization: dict[str, Any]) -> frozenset[str]:
        """The series this dose counts in: the targetDisease codings when any is known,
        otherwise the product's antigens; empty when neither is recognised."""
        product = self.product_antigens(immunization.get("vaccineCode"))
        targeted: set[str] = set()
        for protocol in immunization.get("protocolApplied") or []:
            if isinstance(protocol, dict):
                for disease in protocol.get("targetDisease") or []:
                    targeted |= self.disease_antigens(disease)
        if not targeted:
            return product
        if POLIO in targeted:
            targeted = (targeted - {POLIO}) | (product & POLIO_SERIES)
        return frozenset(targeted)


def _codings(concept: Any) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [
        (str(c.get("system") or ""), str(c.get("code") or "").strip())
        for c in concept.get("coding") or []
        if isinstance(c, dict) and c.get("code")
    ]


def _entries(raw: dict[str, Any], key: str, antigens: frozenset[str],
             origin: str) -> dict[tuple[str, str], frozenset[str]]:  # fmt: skip
    found: dict[tuple[str, str], frozenset[str]] = {}
    for i, entry in enumerate(raw.get(key) or []):
        where = f"$.{key}[{i}]"
        ok = isinstance(entry, dict) and all(isinstance(entry.get(k), str) and entry[k]
                                             for k in ("system", "code"))  # fmt: skip
        listed = entry.get("antigens") if isinstance(entry, dict) else None
        if not ok or not isinstance(listed, list) or not listed:
            raise ScheduleError(origin, where, "system, code and a list of antigens")
        unknown = set(listed) - antigens - ({POLIO} if key == "diseases" else set())
        if unknown:
            raise ScheduleError(origin, f"{where}.antigens", f"not declared: {sorted(unknown)}")
        code = entry["code"].upper().replace(".", "") if entry["system"] == ICD10 else entry["code"]
        found[entry["system"], code] = frozenset(listed)
    return found


def load_vaccine_table(raw: str | dict[str, Any], origin: str = "<vaccines>") -> VaccineTable:
    if not isinstance(raw, dict):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise ScheduleError(origin, "$", f"not JSON ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("antigens"), list):
        raise ScheduleError(origin, "$.antigens", "the list of antigens the table may name")
    antigens = frozenset(raw["antigens"])
    return VaccineTable(version=str(raw.get("version") or ""), antigens=antigens,
                        products=_entries(raw, "products", antigens, origin),
                        diseases=_entries(raw, "diseases", antigens, origin))  # fmt: skip


@cache
def packaged_vaccine_table() -> VaccineTable:
    entry = resources.files("hoso.programmes").joinpath("data/vaccines.json")
    return load_vaccine_table(entry.read_text(encoding="utf-8"), "vaccines.json")
