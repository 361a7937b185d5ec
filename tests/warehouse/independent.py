"""Group-1 indicators computed a second, independent way: plain Python over the raw FHIR
resources (dicts as the store or `hoso synth`'s NDJSON hold them), with no Ibis, no
ViewDefinition and nothing of `hoso.warehouse` — to compare with the warehouse's numbers
(issue 20: "indicators computed independently from raw FHIR of a synthetic city and
compared with the warehouse's numbers"): visits per resident, 30-day readmissions,
morbidity by chapter, and also chronic prevalence and immunisation coverage (the latter
from the programmes' own vaccines.json, not the warehouse's copy of it).

Against a built warehouse: `City(read_ndjson(paths))`, the answers of this module, and
`differences(answers, warehouse_rows(frame.to_dict("records"), *keys))`.

The rules are those of docs/warehouse-indicators.md, written out again here:
- an episode is an Encounter whose status is not planned, cancelled or entered-in-error,
  with a period.start; its month and year are those of period.start as written;
- its diagnosis is Encounter.reasonCode's ICD-10 coding, else the ICD-10 coding of the
  Condition its rank-1 diagnosis points at; the chapter by QĐ 4469's ranges (below);
- the population of year Y: residents with a ward, born in or before Y, not dead before
  1 January Y (deceasedBoolean true without a date: in no year);
- a readmission: an inpatient (IMP) discharge (not a death, not a transfer) followed by
  another inpatient episode of the same resident starting 0–30 days after the discharge
  date; per discharging facility and month of discharge; a partial date ('2025-02') is
  neither a discharge day nor an admission day.

Keys are the warehouse's: wards are 5-digit codes, facilities the Organization's id,
periods 'YYYY' or 'YYYY-MM'. Residents' ids never appear, so pseudonyms do not matter.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ICD10 = "http://hl7.org/fhir/sid/icd-10"
DISPOSITION = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
RESULT = "https://fhir.hoso.hochiminhcity.gov.vn/StructureDefinition/ket-qua-dieu-tri"
NOT_CARE = {"planned", "cancelled", "entered-in-error"}
# QĐ 4469/QĐ-BYT, Phụ lục 1: the chapters' ranges, typed from the Ministry's sheet.
CHAPTERS = (
    ("I", "A00", "B99"), ("II", "C00", "D48"), ("III", "D50", "D89"), ("IV", "E00", "E90"),
    ("V", "F00", "F99"), ("VI", "G00", "G99"), ("VII", "H00", "H59"), ("VIII", "H60", "H95"),
    ("IX", "I00", "I99"), ("X", "J00", "J99"), ("XI", "K00", "K93"), ("XII", "L00", "L99"),
    ("XIII", "M00", "M99"), ("XIV", "N00", "N99"), ("XV", "O00", "O99"),
    ("XVI", "P00", "P96"), ("XVII", "Q00", "Q99"), ("XVIII", "R00", "R99"),
    ("XIX", "S00", "T98"), ("XX", "V01", "Y98"), ("XXI", "Z00", "Z99"), ("XXII", "U00", "U99"),
)  # fmt: skip

Resource = Mapping[str, Any]
WardOf = Callable[[Resource], str | None]


def _default_ward(patient: Resource) -> str | None:
    from hoso.programmes.wards import home_ward  # the home address's ward, as elsewhere

    return home_ward(patient)


def chapter(code: str | None) -> str:
    c3 = (code or "").strip().upper()[:3]
    if not re.fullmatch(r"[A-Z][0-9]{2}", c3):
        return "unknown"
    return next((ch for ch, lo, hi in CHAPTERS if lo <= c3 <= hi), "unknown")


def _key(reference: Any) -> str | None:
    ref = (reference or {}).get("reference") if isinstance(reference, Mapping) else None
    return ref.rsplit("/", 1)[-1] if ref else None


def _icd10(concept: Any) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == ICD10 and coding.get("code"):
            return str(coding["code"])
    return None


class City:
    """The resources of one city, indexed once."""

    def __init__(self, resources: Iterable[Resource], ward_of: WardOf = _default_ward) -> None:
        by_type: dict[str, dict[str, Resource]] = defaultdict(dict)
        for r in resources:
            by_type[r["resourceType"]][r["id"]] = r
        self.ward = {pid: ward_of(p) or "" for pid, p in by_type["Patient"].items()}
        self.patients = by_type["Patient"]
        self.conditions = by_type["Condition"]
        self.immunizations = list(by_type["Immunization"].values())
        self.episodes = [
            e for e in by_type["Encounter"].values()
            if e.get("status") not in NOT_CARE and (e.get("period") or {}).get("start")
        ]  # fmt: skip

    def diagnosis(self, encounter: Resource) -> str | None:
        for reason in encounter.get("reasonCode") or []:
            if found := _icd10(reason):
                return found
        for dx in encounter.get("diagnosis") or []:
            if dx.get("rank") == 1:
                condition = self.conditions.get(_key(dx.get("condition")) or "")
                return _icd10(condition.get("code")) if condition else None
        return None

    def living_in(self, pid: str, year: int) -> bool:
        p = self.patients[pid]
        if not self.ward.get(pid):
            return False
        born = (p.get("birthDate") or "")[:4]
        if born and int(born) > year:
            return False
        died = p.get("deceasedDateTime")
        if died:
            return int(died[:4]) >= year
        return p.get("deceasedBoolean") is not True

    def population(self, year: int, ward: str | None = None) -> int:
        return sum(1 for pid in self.patients if self.living_in(pid, year)
                   and (ward is None or self.ward[pid] == ward))  # fmt: skip


def visits_per_resident(city: City) -> dict[tuple[str, str], tuple[int, int]]:
    """(year, ward or "79") → (episodes of the ward's residents, the ward's population)."""
    visits: Counter[tuple[str, str]] = Counter()
    for e in city.episodes:
        ward = city.ward.get(_key(e.get("subject")) or "", "")
        if ward:
            year = e["period"]["start"][:4]
            visits[year, ward] += 1
            visits[year, "79"] += 1
    return {(year, org): (n, city.population(int(year), None if org == "79" else org))
            for (year, org), n in visits.items()}  # fmt: skip


def morbidity_by_chapter(city: City) -> dict[tuple[str, str, str, str], int]:
    """(month, org kind, org, chapter) → episodes; org kinds "ward" (residents'), "city"
    (residents') and "facility" (everyone's)."""
    found: Counter[tuple[str, str, str, str]] = Counter()
    for e in city.episodes:
        month = e["period"]["start"][:7]
        ch = chapter(city.diagnosis(e))
        ward = city.ward.get(_key(e.get("subject")) or "", "")
        if ward:
            found[month, "ward", ward, ch] += 1
            found[month, "city", "79", ch] += 1
        found[month, "facility", _key(e.get("serviceProvider")) or "", ch] += 1
    return dict(found)


def _day(text: str | None) -> date | None:
    """The day of a full date or dateTime; None for a partial ('2025-02') or impossible one."""
    try:
        return date.fromisoformat(text[:10]) if text and len(text) >= 10 else None
    except ValueError:
        return None


def _died(e: Resource) -> bool:
    for ext in e.get("extension") or []:
        if ext.get("url") == RESULT:
            concept = ext.get("valueCodeableConcept") or {}
            if [c.get("code") for c in concept.get("coding") or []][:1] == ["5"]:
                return True
    return _disposition(e) == "exp"


def _disposition(e: Resource) -> str | None:
    concept = (e.get("hospitalization") or {}).get("dischargeDisposition") or {}
    return next((c.get("code") for c in concept.get("coding") or []
                 if c.get("system") == DISPOSITION), None)  # fmt: skip


def readmissions(city: City, days: int = 30) -> dict[tuple[str, str], tuple[int, int]]:
    """(month of discharge, facility) → (discharges followed by a readmission, discharges)."""
    stays: dict[str, list[tuple[date, str]]] = defaultdict(list)
    inpatient = [e for e in city.episodes if (e.get("class") or {}).get("code") == "IMP"]
    for e in inpatient:
        if start := _day(e["period"]["start"]):
            stays[_key(e.get("subject")) or ""].append((start, e["id"]))
    found: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for e in inpatient:
        end = (e.get("period") or {}).get("end")
        out = _day(end)
        if not end or not out or _died(e) or _disposition(e) == "other-hcf":
            continue
        again = any(other != e["id"] and out <= start <= out + timedelta(days=days)
                    for start, other in stays[_key(e.get("subject")) or ""])  # fmt: skip
        cell = found[end[:7], _key(e.get("serviceProvider")) or ""]
        cell[0] += int(again)
        cell[1] += 1
    return {k: (v[0], v[1]) for k, v in found.items()}


CHRONIC = (("hypertension", "I10", "I15"), ("diabetes", "E10", "E14"), ("copd", "J44", "J44"),
           ("asthma", "J45", "J46"), ("ckd", "N18", "N18"), ("cancer", "C00", "C97"))  # fmt: skip
STILL = {"active", "recurrence", "relapse"}


def _first_code(concept: Any) -> str | None:
    codings = (concept or {}).get("coding") or []
    return codings[0].get("code") if codings else None


def chronic_prevalence(city: City, as_of: str) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(month of as_of, ward or "79", group) → (living residents with an active, confirmed
    condition of the group dated on or before as_of, living residents)."""
    def living(pid: str) -> bool:
        p = city.patients[pid]
        born = (p.get("birthDate") or "")[:4]
        died = (p.get("deceasedDateTime") or "")[:10]
        return bool(city.ward.get(pid)) and (not born or int(born) <= int(as_of[:4])) and (
            died > as_of if died else p.get("deceasedBoolean") is not True)

    alive = {pid for pid in city.patients if living(pid)}
    sick: set[tuple[str, str]] = set()
    for c in city.conditions.values():
        pid = _key(c.get("subject")) or ""
        when = (c.get("onsetDateTime") or c.get("recordedDate") or "")[:10]
        if (pid not in alive or _first_code(c.get("clinicalStatus")) not in STILL
                or _first_code(c.get("verificationStatus")) != "confirmed"
                or (when and when > as_of)):  # fmt: skip
            continue
        c3 = (_icd10(c.get("code")) or "").strip().upper()[:3]
        for group, lo, hi in CHRONIC:
            if re.fullmatch(r"[A-Z][0-9]{2}", c3) and lo <= c3 <= hi:
                sick.add((pid, group))
    found: Counter[tuple[str, str, str]] = Counter()
    for pid, group in sick:
        found[as_of[:7], city.ward[pid], group] += 1
        found[as_of[:7], "79", group] += 1
    population = Counter(city.ward[pid] for pid in alive)
    return {k: (n, population[k[1]] if k[1] != "79" else len(alive)) for k, n in found.items()}


def immunisation_coverage(
    city: City, year: int, products: Iterable[Mapping[str, Any]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(ward or "79", option) → (children born in year-1, alive on 1 January, with the
    option's doses by the end of the year; those children). `products` are the programmes'
    vaccines.json products (system, code, antigens)."""
    series_of = {"bcg": "bcg", "pertussis": "dtp", "polio_oral": "polio",
                 "polio_inactivated": "polio", "hepb": "hepb", "hib": "hib", "measles": "mcv"}
    gives = {(p["system"], p["code"]): {series_of[a] for a in p["antigens"] if a in series_of}
             for p in products}  # fmt: skip
    options = {"bcg": ("bcg", 1), "dtp1": ("dtp", 1), "dtp3": ("dtp", 3), "pol3": ("polio", 3),
               "hepb3": ("hepb", 3), "hib3": ("hib", 3), "mcv1": ("mcv", 1)}  # fmt: skip
    cohort = {pid for pid, p in city.patients.items()
              if (p.get("birthDate") or "")[:4] == str(year - 1)
              and city.living_in(pid, year)}  # fmt: skip
    doses: Counter[tuple[str, str]] = Counter()
    for imm in city.immunizations:
        pid = _key(imm.get("patient")) or ""
        when = (imm.get("occurrenceDateTime") or "")[:4]
        codings = (imm.get("vaccineCode") or {}).get("coding") or [{}]
        product = (codings[0].get("system"), codings[0].get("code"))
        if pid in cohort and imm.get("status") == "completed" and when and int(when) <= year:
            for series in gives.get(product, ()):  # type: ignore[call-overload]
                doses[pid, series] += 1
    found: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for pid in cohort:
        for option, (series, needed) in options.items():
            for org in (city.ward[pid], "79"):
                found[org, option][0] += int(doses[pid, series] >= needed)
                found[org, option][1] += 1
    return {k: (v[0], v[1]) for k, v in found.items()}


def read_ndjson(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """The resources of NDJSON files (`hoso synth`'s output, a bulk export)."""
    for path in paths:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def warehouse_rows(
    records: Iterable[Mapping[str, Any]], *keys: str
) -> dict[tuple[str, ...], tuple[int, int | None]]:
    """An analysis's rows (e.g. `frame.to_dict("records")`) keyed as this module keys its
    answers: the `keys` columns → (numerator, denominator or None)."""
    found: dict[tuple[str, ...], tuple[int, int | None]] = {}
    for r in records:
        den = r.get("denominator")
        found[tuple(str(r[k]) for k in keys)] = (
            int(r["numerator"]), None if den is None or den != den else int(den))
    return found


def differences(
    expected: Mapping[Any, Any], found: Mapping[Any, Any], limit: int = 20
) -> list[str]:
    """What differs between the independent answers and the warehouse's, at most `limit`
    lines; [] when they agree."""
    lines = [f"{key}: independent {expected.get(key)} ≠ warehouse {found.get(key)}"
             for key in sorted(set(expected) | set(found), key=str)
             if expected.get(key) != found.get(key)]  # fmt: skip
    return lines[:limit]
