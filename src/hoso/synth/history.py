"""A resident's care in 2021–2025: which illnesses, which visits, what was measured.

Chronic conditions come at rough Vietnamese adult prevalences by age (hypertension in
about a quarter of those 40 and over, type 2 diabetes about 7 % of adults, …) and bring
follow-up visits with prescriptions; acute illnesses come at yearly rates by age and
season (dengue in the rainy season, with 2022's epidemic; COVID-19 in the 2021 wave;
hand-foot-mouth disease in small children). Older and chronically ill people therefore
have the longest records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from random import Random

from hoso.synth.clinical import ALLERGENS, Record, Visit, allergy
from hoso.synth.facilities import Facility, Network
from hoso.synth.people import Person
from hoso.synth.sampling import HISTORY_END, HISTORY_START, NOW_DAY, day_in_year

YEARS = (2021, 2022, 2023, 2024, 2025)
Rate = Callable[[int, str], float]  # (age, sex) -> probability or yearly rate


@dataclass(frozen=True, slots=True)
class Chronic:
    code: str
    prevalence: Rate
    drugs: tuple[tuple[str, ...], ...]  # alternative regimens, one kept per person
    min_age: int


def _by_age(*steps: tuple[int, float]) -> Rate:
    """Rate from the last step whose age threshold is reached."""

    def rate(age: int, sex: str) -> float:
        found = 0.0
        for threshold, value in steps:
            if age >= threshold:
                found = value
        return found

    return rate


CHRONIC = (
    Chronic("I10", _by_age((18, 0.03), (40, 0.13), (50, 0.22), (60, 0.33), (70, 0.42)),
            (("amlodipine",), ("losartan",), ("ramipril",), ("perindopril", "amlodipine"),
             ("losartan", "amlodipine")), 18),
    Chronic("E11.9", _by_age((30, 0.03), (40, 0.07), (50, 0.12), (60, 0.17), (70, 0.19)),
            (("metformin",), ("metformin", "gliclazide")), 30),
    Chronic("E78.5", _by_age((40, 0.12)), (("atorvastatin",),), 40),
    Chronic("J44.9", lambda a, s: (0.05 if s == "male" else 0.015) * (1.5 if a >= 60 else 1)
            if a >= 40 else 0.0, (("tiotropium", "salbutamol"),), 40),
    Chronic("J45.9", _by_age((5, 0.04)), (("budesonide", "salbutamol"),), 5),
    Chronic("I25", _by_age((60, 0.05)), (("aspirin", "atorvastatin"),), 60),
    Chronic("M17.9", lambda a, s: (0.16 if s == "female" else 0.08) if a >= 55 else 0.0,
            (("glucosamine",), ("diclofenac",)), 55),
    Chronic("E03.9", lambda a, s: 0.02 if s == "female" and a >= 25 else 0.0,
            (("levothyroxine",),), 25),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Acute:
    code: str
    rate: Rate  # episodes per year
    where: str  # primary | hospital | emergency | inpatient
    drugs: tuple[str, ...]
    procedures: tuple[str, ...] = ()
    fever: bool = False
    months: tuple[int, int] = (1, 12)
    inpatient_share: float = 0.0
    years: tuple[int, ...] = YEARS
    speciality: str = "general"


ACUTE = (
    Acute("J06.9", _by_age((0, 0.9), (6, 0.45), (15, 0.12)), "primary", ("paracetamol",),
          fever=True),
    Acute("J02.9", _by_age((0, 0.15), (15, 0.08)), "primary", ("amoxicillin", "paracetamol"),
          fever=True),
    Acute("J20.9", _by_age((0, 0.1), (6, 0.03), (65, 0.08)), "primary", ("amoxicillin",)),
    Acute("J18.9", _by_age((0, 0.03), (5, 0.004), (65, 0.03)), "hospital", ("ceftriaxone",),
          fever=True, inpatient_share=0.7),
    Acute("A97.0", _by_age((0, 0.005), (5, 0.01), (35, 0.004)), "hospital", ("paracetamol",),
          fever=True, months=(6, 11), speciality="tropical"),
    Acute("A97.1", _by_age((0, 0.0015), (5, 0.003), (35, 0.001)), "inpatient",
          ("paracetamol",), fever=True, months=(6, 11), speciality="tropical"),
    Acute("B08.4", _by_age((0, 0.04), (5, 0.01), (10, 0.0)), "primary", ("paracetamol",),
          fever=True, months=(3, 12), inpatient_share=0.05, speciality="children"),
    Acute("A09.0", _by_age((0, 0.12), (6, 0.03)), "primary", ("ors",)),
    Acute("U07.1", _by_age((0, 0.03), (18, 0.06)), "hospital", ("paracetamol",), fever=True,
          months=(6, 10), years=(2021,), inpatient_share=0.1),
    Acute("K35.8", _by_age((5, 0.0007), (10, 0.0015), (40, 0.0007)), "inpatient", (),
          ("88.76", "47.01")),
    Acute("S52.5", _by_age((5, 0.004), (15, 0.0015), (65, 0.004)), "emergency", (),
          ("79.02", "93.53")),
    Acute("N39.0", lambda a, s: (0.03 if s == "female" else 0.005) if a >= 15 else 0.0,
          "primary", ("nitrofurantoin",)),
    Acute("O80.9", lambda a, s: 0.07 if s == "female" and 20 <= a <= 42 else 0.0, "inpatient",
          (), ("73.59",), speciality="obstetric"),
    Acute("K29.7", _by_age((18, 0.04)), "primary", ("omeprazole",), ("88.76",)),
    Acute("L20.9", _by_age((0, 0.03), (10, 0.01)), "primary", ("cetirizine",)),
    Acute("J30.4", _by_age((5, 0.02)), "primary", ("cetirizine",)),
    Acute("I63.9", _by_age((60, 0.004)), "inpatient", ("aspirin", "clopidogrel"), ("89.52",)),
)  # fmt: skip
DENGUE_YEAR_FACTOR = {2022: 2.5}  # HCMC's dengue epidemic year
YEAR_START = {y: date(y, 1, 1).toordinal() for y in (*YEARS, 2026)}


def _age_at(p: Person, day: int) -> int:
    return int((day - p.birth_day) / 365.2425)


def _facility(
    rng: Random, net: Network, p: Person, where: str, speciality: str, age: int
) -> Facility:
    roll = rng.random()
    if where == "primary":
        if roll < 0.55:
            return p.station
        if roll < 0.85:
            return net.clinics[rng.randrange(len(net.clinics))]
        return net.area[rng.randrange(len(net.area))]
    if speciality == "general" and age < 16:
        speciality = "children"
    if roll < 0.5 or (where == "emergency" and roll < 0.7):
        return net.area[rng.randrange(len(net.area))]
    choices = net.hospitals(speciality)
    return choices[rng.randrange(len(choices))]


def plan_visits(p: Person, rng: Random, net: Network) -> list[Visit]:
    """Every visit of the person in 2021–2025, in time order."""
    visits: list[Visit] = []
    age = p.age
    chronic: list[tuple[str, int, tuple[str, ...]]] = []
    for c in CHRONIC:
        if age >= c.min_age and rng.random() < c.prevalence(age, p.sex):
            first = max(p.birth_day + c.min_age * 365, NOW_DAY - 15 * 365)
            onset = first + rng.randrange(max(1, HISTORY_END - first))
            chronic.append((c.code, onset, c.drugs[rng.randrange(len(c.drugs))]))
    if chronic:
        _follow_ups(p, rng, net, chronic, visits)
    for a in ACUTE:
        for year in a.years:
            age_then = max(0, age - (2026 - year))
            rate = a.rate(age_then, p.sex) * DENGUE_YEAR_FACTOR.get(year, 1.0) ** (
                a.code.startswith("A97")
            )
            while rate > 0 and rng.random() < rate:
                rate -= 1.0  # rates above 1 a year give a second episode
                visits.append(_episode(p, rng, net, a, year, age_then))
    if age >= 18:
        for year in YEARS:
            if rng.random() < 0.3:  # workplace or annual health check
                day = day_in_year(year, rng)
                where = "primary" if rng.random() < 0.6 else "hospital"
                v = Visit(
                    day,
                    420 + rng.randrange(240),
                    "AMB",
                    _facility(rng, net, p, where, "general", age),
                    ["Z00.0"],
                )
                v.measure_height = True
                v.labs.append("glucose")
                visits.append(v)
    if 6 <= age <= 22:  # school age at some time in 2021-2025
        _school_eye_checks(p, rng, visits)
    visits = [v for v in visits if p.birth_day <= v.day <= HISTORY_END - v.stay]
    visits.sort(key=lambda v: (v.day, v.minute))
    return visits


def _follow_ups(
    p: Person,
    rng: Random,
    net: Network,
    chronic: list[tuple[str, int, tuple[str, ...]]],
    visits: list[Visit],
) -> None:
    """Two to four check-ups a year for the chronically ill, with their drugs renewed;
    each condition is diagnosed (recorded) at the first visit after its onset."""
    per_year = 2 + (len(chronic) > 1) + (p.age >= 65)
    undiagnosed = sorted(chronic, key=lambda c: c[1])
    first_onset = undiagnosed[0][1]
    for year in YEARS:
        start = max(YEAR_START[year], first_onset)
        end = YEAR_START[year + 1] - 1
        if start > end:
            continue
        days = sorted(start + rng.randrange(end - start + 1) for _ in range(per_year))
        for k, day in enumerate(days):
            facility = _facility(
                rng, net, p, "primary" if rng.random() < 0.7 else "hospital", "general", p.age
            )
            active = [c for c in chronic if c[1] <= day]
            v = Visit(day, 420 + rng.randrange(300), "AMB", facility, [c[0] for c in active])
            for c in active:
                v.drugs.extend(c[2])
            while undiagnosed and undiagnosed[0][1] <= day:
                code, onset, _ = undiagnosed.pop(0)
                v.new.append((code, onset, True))
            codes = v.reasons
            if "E11.9" in codes:
                v.labs.append("glucose")
                if k == 0:
                    v.labs.append("hba1c")
            if k == 0 and facility.level != "station" and ("I10" in codes or "I25" in codes):
                v.procedures.append("89.52")
                if "I25" in codes:
                    v.procedures.append("88.72")
            v.measure_height = k == 0
            visits.append(v)


def _episode(p: Person, rng: Random, net: Network, a: Acute, year: int, age: int) -> Visit:
    day = day_in_year(year, rng, a.months)
    where = a.where
    if (
        where in ("primary", "hospital")
        and a.inpatient_share
        and rng.random() < (a.inpatient_share * (2 if age >= 65 or age < 5 else 1))
    ):
        where = "inpatient"
    facility = _facility(rng, net, p, where, a.speciality, age)
    if where == "inpatient":
        cls, stay = "IMP", 2 + rng.randrange(6)
    elif where == "emergency":
        cls, stay = "EMER", 0
    else:
        cls, stay = "AMB", 0
    minute = rng.randrange(1440) if cls != "AMB" else 420 + rng.randrange(600)
    v = Visit(day, minute, cls, facility, [a.code], stay, a.fever)
    v.new.append((a.code, max(p.birth_day, day - rng.randrange(1, 4)), False))
    v.drugs.extend(a.drugs)
    v.procedures.extend(a.procedures)
    return v


def _school_eye_checks(p: Person, rng: Random, visits: list[Visit]) -> None:
    """School health checks at the ward station: visual acuity, myopia when it is found."""
    myopic_from = 7 + rng.randrange(9) if rng.random() < 0.35 else 99
    diagnosed = False
    for year in YEARS:
        age = p.age - (2026 - year)
        if not 6 <= age <= 17 or rng.random() > 0.6:
            continue
        day = day_in_year(year, rng, (9, 11))
        v = Visit(day, 450 + rng.randrange(200), "AMB", p.station, ["Z00.0"])
        v.labs.append("va" if age < myopic_from else "va-myopic")
        v.measure_height = True
        if age >= myopic_from and not diagnosed:
            v.reasons = ["H52.1"]
            v.new.append(("H52.1", day, True))
            diagnosed = True
        visits.append(v)


_ALLERGY_KEYS = ("penicillin", "penicillin", "shellfish", "shellfish", *ALLERGENS)


def allergies(
    p: Person, rng: Random, rec: Record, subject: dict[str, str], visits: list[Visit]
) -> None:
    """About 5 % of residents have a recorded allergy (penicillin and seafood first)."""
    if rng.random() >= 0.05:
        return
    key = _ALLERGY_KEYS[rng.randrange(len(_ALLERGY_KEYS))]
    if visits:
        v = visits[0]
        doctor = v.facility.doctors[0]
        day = v.day
    else:
        doctor = p.station.doctors[0]
        day = max(p.birth_day, HISTORY_START) + rng.randrange(365)
    allergy(rec, key, subject, min(day, HISTORY_END), f"Practitioner/{doctor}")
