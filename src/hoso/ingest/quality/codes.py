"""Is a code one its code system has? ICD-10 against the Ministry's list, LOINC and ATC
by their published structure.

- ICD-10: the list of QĐ 4469/QĐ-BYT (DOMAIN-VN.md §8), packaged as
  `hoso/fhir/data/icd10_vn.json` by `tools/gen_icd10_vn.py`. It is the list in force
  until 30/06/2026; TT 06/2026 adds codes from 01/07/2026 and may not rewrite old ones,
  so a code found here stays valid.
- LOINC: `NNNNN-C`, where C is the Mod 10 check digit LOINC publishes (the LOINC Users'
  Guide, "Check digit"); the full table is licensed separately and not shipped here.
- ATC (WHO): the five levels `A`, `A10`, `A10B`, `A10BA`, `A10BA02`, with the 14
  anatomical main groups as first letter; the WHO index itself is not open data.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

__all__ = [
    "ATC_SYSTEMS",
    "ICD10_SYSTEMS",
    "LOINC_SYSTEM",
    "is_atc",
    "is_icd10",
    "is_loinc",
]

ICD10_SYSTEMS = frozenset({
    "http://hl7.org/fhir/sid/icd-10",
    "http://hl7.org/fhir/sid/icd-10-vn",
    "http://fhir.hl7.org.vn/core/CodeSystem/vn-icd10-cs",  # the unofficial VN Core IG
})  # fmt: skip
LOINC_SYSTEM = "http://loinc.org"
ATC_SYSTEMS = frozenset({"http://www.whocc.no/atc", "http://www.whocc.no/atc/"})

_LOINC = re.compile(r"([0-9]{1,5})-([0-9])")
_ATC = re.compile(r"[ABCDGHJLMNPRSV](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?")
_UNDOTTED = re.compile(r"([A-Z][0-9]{2})([0-9A-Z]{1,2})")


@cache
def _icd10_codes() -> frozenset[str]:
    data = resources.files("hoso.fhir").joinpath("data/icd10_vn.json").read_text("utf-8")
    return frozenset(json.loads(data)["codes"])


def is_icd10(code: str) -> bool:
    """In the QĐ 4469 list, written `A00.0` (FHIR) or `A000` (the XML 130 form); a
    dagger or asterisk mark is ignored."""
    code = code.strip().rstrip("†*").upper()
    known = _icd10_codes()
    if code in known:
        return True
    undotted = _UNDOTTED.fullmatch(code)
    return undotted is not None and f"{undotted[1]}.{undotted[2]}" in known


def loinc_check_digit(number: str) -> int:
    """LOINC's Mod 10: double the number formed by the digits in odd places from the
    right, append the even-placed ones, sum every digit, take 10 minus the last digit."""
    digits = number[::-1]
    odd = digits[0::2][::-1]
    even = digits[1::2][::-1]
    total = sum(int(d) for d in str(int(odd) * 2) + even)
    return (10 - total % 10) % 10


def is_loinc(code: str) -> bool:
    match = _LOINC.fullmatch(code.strip())
    return match is not None and loinc_check_digit(match[1]) == int(match[2])


def is_atc(code: str) -> bool:
    return _ATC.fullmatch(code.strip()) is not None
