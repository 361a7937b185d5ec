"""The CRUD mix of issue 14: create, read, update and search by CCCD, a quarter each.

- create: a new resident (a CCCD registered in Thừa Thiên Huế, 046, which the loaded
  population never uses), through the MPI. Newcomers are drawn from the operating
  system's randomness, not the seeded generator: a rerun, or a before/after pair of
  runs on one database, must create residents the store does not hold yet, or the MPI
  would take its cheap path (an existing CCCD) and flatter the later run;
- read: `Patient/{id}` of a loaded resident;
- update: `PUT Patient/{id}` of a loaded resident with a new phone number (a new
  version: history, index rows, audit entry);
- search: by the CCCD of a loaded resident.
"""

from __future__ import annotations

import random
from typing import Any

from bench.population import patient_resource, person
from hoso.core.settings import DEFAULT_CCCD_SYSTEM

__all__ = ["crud_draw"]

NEW_PROVINCE = "046"
FRESH = random.SystemRandom()  # who the newcomers are: new on every run


def _newcomer(rng: random.Random) -> dict[str, Any]:
    year = rng.randrange(1950, 2020)
    gender = rng.choice(("male", "female"))
    century_sex = (2 if year >= 2000 else 0) + (1 if gender == "female" else 0)
    cccd = f"{NEW_PROVINCE}{century_sex}{year % 100:02d}{rng.randrange(10**6):06d}"
    family = rng.choice(("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ"))
    middle = "Văn" if gender == "male" else "Thị"
    given = rng.choice(("An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Minh", "Thảo"))
    return {
        "resourceType": "Patient",
        "identifier": [{"use": "official", "system": DEFAULT_CCCD_SYSTEM, "value": cccd}],
        "name": [{"use": "official", "family": family, "given": [middle, given]}],
        "gender": gender,
        "birthDate": f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "telecom": [{"system": "phone", "value": f"09{rng.randrange(10**8):08d}"}],
    }


def crud_draw(patients: int, rng: random.Random) -> tuple[str, str, dict[str, str], Any]:
    """(method, path, query, body) of one request of the mix."""
    kind = rng.randrange(4)
    if kind == 0:
        return "POST", "/fhir/Patient", {}, _newcomer(FRESH)
    resident = person(rng.randrange(patients))
    if kind == 1:
        return "GET", f"/fhir/Patient/{resident.id}", {}, None
    if kind == 2:
        changed = patient_resource(resident)
        changed["telecom"] = [{"system": "phone", "value": f"09{rng.randrange(10**8):08d}",
                               "use": "mobile"}]  # fmt: skip
        return "PUT", f"/fhir/Patient/{resident.id}", {}, changed
    query = {"identifier": f"{DEFAULT_CCCD_SYSTEM}|{resident.cccd}"}
    return "GET", "/fhir/Patient", query, None
