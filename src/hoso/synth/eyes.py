"""School eye screening for the synthetic city (issue 19 points 3 and 9): class rosters
for the current school year, and for every school-age child the yearly screening results
of the last three school years — uncorrected and presenting visual acuity (logMAR) and
non-cycloplegic autorefraction per eye, the pass/fail outcome, a referral to an eye
clinic for a failing child and, for some, the glasses dispensed — with ground truth.

Myopia by age (the share of children myopic, SE ≤ −0.50 D, at each completed age) is a
HOUSE assumption, no source found for Ho Chi Minh City itself, anchored on two Vietnamese
school surveys: Paudel et al. 2014 (Clin Exp Ophthalmol 42:217–226, Ba Ria–Vung Tau,
12–15 years: vision impairment due to myopia 20.4 %) and Hung et al. 2020 (Clin
Ophthalmol 14:1079–1090, rural Nghe An, grades 6–9: myopia 14.2 %, 10.5 % in grade 6 to
17.7 % in grade 9, more in girls). HCMC is urban, so the curve sits above both: about
20 % at 11–12 and 35–40 % at 15–17 (the issue's "~20–40 % in urban secondary school").
Progression after onset (−0.50 D a year), the acuity model and the share of referred
children who get glasses (55 %) are HOUSE assumptions too.

The codes are those of `hoso.programmes.eyes.screening` (synth may not import
programmes, so they are repeated here; tests/synth/test_eyes.py checks they agree).
"""

from __future__ import annotations

from datetime import date
from random import Random
from typing import Any

from hoso.synth.clinical import Record
from hoso.synth.people import Person
from hoso.synth.sampling import NOW

__all__ = ["EYE_SYSTEM", "MYOPIA_BY_AGE", "ROSTER_HEADER", "TRUTH_HEADER", "school_eyes"]

EYE_SYSTEM = "https://hoso.vn/fhir/CodeSystem/eye-screening"
MYOPIA_BY_AGE = {6: 0.05, 7: 0.07, 8: 0.10, 9: 0.13, 10: 0.16, 11: 0.19, 12: 0.23, 13: 0.27,
                 14: 0.31, 15: 0.34, 16: 0.37, 17: 0.40}  # fmt: skip
GIRLS, BOYS = 1.1, 0.9  # girls more often myopic (Hung et al. 2020); HOUSE factor
PROGRESSION_D_PER_YEAR = -0.5  # HOUSE assumption
FAIL_ABOVE = 0.18  # the programme's default cut-off (worse than 6/9)
DISPENSED_SHARE, ATTENDANCE = 0.55, 0.95  # HOUSE assumptions
YEARS = 3  # school years screened: the current one and the two before
ROSTER_HEADER = ("school_code", "school_name", "school_ward", "school_year", "class", "grade",
                 "cccd", "family_name", "given_name", "birth_date", "sex")  # fmt: skip
# `myopic`: SE ≤ −0.50 D in either eye as measured that day (what the record says).
TRUTH_HEADER = ("patient_id", "school_year", "day", "age", "sex", "ward", "school_code",
                "myopic", "se_right", "se_left", "ucva_right", "ucva_left", "pva_right",
                "pva_left", "outcome", "referred", "dispensed")  # fmt: skip
_LEVELS = ((6, 10, "TH", "Trường Tiểu học"), (11, 14, "THCS", "Trường THCS"),
           (15, 17, "THPT", "Trường THPT"))  # fmt: skip


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _quarter(value: float) -> float:
    return round(value * 4) / 4 + 0.0


def _school(p: Person, age: int) -> tuple[str, str] | None:
    for low, high, prefix, name in _LEVELS:
        if low <= age <= high:
            return f"{prefix}{p.ward.code}", f"{name} {p.ward.name}"
    return None


DISPLAY = {
    "ucva-right": "Thị lực không kính mắt phải", "ucva-left": "Thị lực không kính mắt trái",
    "pva-right": "Thị lực hiện tại mắt phải", "pva-left": "Thị lực hiện tại mắt trái",
    "refraction-right": "Khúc xạ mắt phải", "refraction-left": "Khúc xạ mắt trái",
    "sphere": "Cầu", "cylinder": "Trụ", "axis": "Trục",
    "spherical-equivalent": "Cầu tương đương", "screening-outcome": "Kết quả sàng lọc thị lực",
    "eye-clinic-referral": "Chuyển khám mắt",
}  # fmt: skip


def _coded(code: str) -> dict[str, Any]:
    return {"coding": [{"system": EYE_SYSTEM, "code": code, "display": DISPLAY[code]}]}


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": code}


def _logmar(se: float, rng: Random) -> float:
    """Uncorrected acuity from SE: HOUSE model, about one chart line per −0.25 D of myopia."""
    if se > -0.5:
        return round(min(0.1, max(-0.1, rng.gauss(0.0, 0.05))), 1) + 0.0
    return round(min(1.3, max(0.1, 0.4 * -se - 0.05 + rng.gauss(0, 0.05))), 1) + 0.0


def _round_observations(rec: Record, p: Person, day: str, values: dict[str, Any]) -> None:
    base = {"resourceType": "Observation", "status": "final", "subject": {"reference": p.ref},
            "effectiveDateTime": day,
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                      "observation-category", "code": "exam"}]}]}  # fmt: skip
    for code, value in values["acuity"].items():
        rec.out.append({**base, "id": rec.new_id("eye"), "code": _coded(code),
                        "valueQuantity": _quantity(value, "{logMAR}", "{logMAR}")})  # fmt: skip
    for eye, (sphere, cyl, se) in values["refraction"].items():
        parts = [("sphere", sphere), ("cylinder", cyl), ("spherical-equivalent", se)]
        component = [{"code": _coded(c), "valueQuantity": _quantity(v, "D", "[diop]")}
                     for c, v in parts]  # fmt: skip
        if cyl:
            component.append(
                {"code": _coded("axis"), "valueQuantity": _quantity(180, "deg", "deg")}
            )
        rec.out.append({**base, "id": rec.new_id("eye"), "code": _coded(f"refraction-{eye}"),
                        "component": component})  # fmt: skip
    outcome = {"coding": [{"system": EYE_SYSTEM, "code": values["outcome"]}]}
    rec.out.append(
        {
            **base,
            "id": rec.new_id("eye"),
            "code": _coded("screening-outcome"),
            "valueCodeableConcept": outcome,
        }
    )


def school_eyes(rec: Record, p: Person, seed: int) -> tuple[list[tuple[str, ...]],
                                                             list[tuple[str, ...]]]:  # fmt: skip
    """Add the child's screening resources to `rec`; (ground-truth rows, roster rows)."""
    born = date.fromordinal(p.birth_day)
    rng = Random(f"{seed}:eyes:{p.index}")  # its own stream: nothing else changes
    liability = rng.random() / (GIRLS if p.sex == "female" else BOYS)
    onset = next((a for a, share in sorted(MYOPIA_BY_AGE.items()) if liability < share), None)
    base_se, offset = rng.gauss(0.6, 0.35), rng.gauss(0.0, 0.25)
    truth: list[tuple[str, ...]] = []
    glasses = False
    for back in range(YEARS - 1, -1, -1):
        year = NOW.year - 1 - back  # school years starting Sept 2023, 2024, 2025
        day = date(year, 10, 1 + (p.ward.code + p.index) % 28)
        age = _age(born, day)
        school = _school(p, age)
        if school is None or rng.random() > ATTENDANCE:
            continue
        myopic = onset is not None and age >= onset
        # A myopic child is myopic in both eyes, a non-myopic one in neither: the truth
        # (measured SE) is then the latent state, which the curve gives.
        if myopic:
            grown = PROGRESSION_D_PER_YEAR * (age - onset)  # type: ignore[operator]
            se_r = min(-0.5, _quarter(-0.75 + grown + rng.gauss(0, 0.2)))
            se_l = min(-0.5, _quarter(se_r + offset))
        else:
            se_r = _quarter(max(-0.25, base_se - 0.1 * (age - 6)))
            se_l = max(-0.25, _quarter(se_r + offset))
        cyl = -0.5 if rng.random() < 0.3 else 0.0
        ucva = {"right": _logmar(se_r, rng), "left": _logmar(se_l, rng)}
        pva = {e: (0.0 if glasses else v) for e, v in ucva.items()}
        outcome = "fail" if max(pva.values()) > FAIL_ABOVE else "pass"
        values = {"acuity": {**{f"ucva-{e}": v for e, v in ucva.items()},
                             **({f"pva-{e}": v for e, v in pva.items()} if glasses else {})},
                  "refraction": {"right": (se_r - cyl / 2, cyl, se_r),
                                 "left": (se_l - cyl / 2, cyl, se_l)},
                  "outcome": outcome}  # fmt: skip
        _round_observations(rec, p, day.isoformat(), values)
        dispensed = False
        if outcome == "fail":
            dispensed = rng.random() < DISPENSED_SHARE
            rec.out.append({"resourceType": "ServiceRequest", "id": rec.new_id("eyesr"),
                            "status": "completed" if dispensed else "active",
                            "intent": "order", "code": _coded("eye-clinic-referral"),
                            "subject": {"reference": p.ref},
                            "authoredOn": day.isoformat()})  # fmt: skip
            glasses = glasses or dispensed
        truth.append((p.id, f"{year}-{year + 1}", day.isoformat(), str(age), p.sex,
                      str(p.ward.code), school[0], "1" if min(se_r, se_l) <= -0.5 else "0",
                      f"{se_r:.2f}",
                      f"{se_l:.2f}", f"{ucva['right']:.1f}", f"{ucva['left']:.1f}",
                      f"{pva['right']:.1f}", f"{pva['left']:.1f}", outcome,
                      "1" if outcome == "fail" else "0", "1" if dispensed else "0"))  # fmt: skip
    return truth, _roster(p, born)


def _roster(p: Person, born: date) -> list[tuple[str, ...]]:
    """The child's row on this school year's class roster (ages on 5 September)."""
    opening = date(NOW.year - 1, 9, 5)
    age = _age(born, opening)
    school = _school(p, age)
    if school is None:
        return []
    grade = age - 5
    return [(school[0], school[1], str(p.ward.code), f"{opening.year}-{opening.year + 1}",
             f"{grade}A{1 + p.index % 2}", str(grade), p.cccd, p.family, " ".join(p.given),
             born.strftime("%d/%m/%Y"), "nam" if p.sex == "male" else "nữ")]  # fmt: skip
