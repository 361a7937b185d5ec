"""What is measured at a visit, with plausible values for the person.

Each person has a stable build (adult height, body-mass index) and blood-pressure level,
drawn once, so repeated measurements look like the same body: children grow along a
rough growth curve, hypertensives run higher, diabetics' glucose and HbA1c are raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from hoso.synth.clinical import Record, Visit, observation, panel


@dataclass(slots=True)
class Body:
    adult_height: float  # cm
    bmi: float
    systolic: float  # at 40, untreated
    hypertensive: bool
    diabetic: bool
    last_height_year: int = 0


def body(rng: Random, sex: str, chronic_codes: set[str]) -> Body:
    height = rng.gauss(166.0, 6.0) if sex == "male" else rng.gauss(155.0, 5.5)
    bmi = rng.gauss(22.0, 2.8) + (2.5 if chronic_codes & {"E11.9", "I10", "E78.5"} else 0.0)
    return Body(
        height,
        max(16.5, bmi),
        rng.gauss(118.0, 8.0),
        "I10" in chronic_codes,
        "E11.9" in chronic_codes,
    )


def height_at(b: Body, age: float) -> float:
    """A rough growth curve joining the adult height at 18."""
    if age < 1:
        h = 50 + 25 * age
    elif age < 2:
        h = 75 + 11 * (age - 1)
    elif age < 13:
        h = 86 + 6.1 * (age - 2)
    elif age < 18:
        h = 153 + (b.adult_height - 153) * (age - 13) / 5
    else:
        return b.adult_height - max(0.0, age - 60) * 0.1
    return h * b.adult_height / 160.0


def measure(
    rec: Record, v: Visit, b: Body, age: float, rng: Random, ctx: tuple[object, ...]
) -> None:
    """Vital signs for every visit, growth for children and at the year's first visit,
    the tests the visit asked for."""
    r = rng.random
    temp = 38.2 + 1.2 * r() if v.fever else 36.4 + 0.6 * r()
    observation(rec, "temp", round(temp, 1), ctx)
    rate = (120 if age < 1 else 100 if age < 6 else 75) + int(20 * r()) + (12 if v.fever else 0)
    observation(rec, "hr", rate, ctx)
    height = height_at(b, age)
    bmi = b.bmi if age >= 18 else 15.5 + 2.0 * r()
    weight = round(bmi * (height / 100) ** 2 * (0.97 + 0.06 * r()), 1)
    observation(rec, "weight", weight, ctx)
    if age >= 16:
        sys = b.systolic + 0.5 * max(0.0, age - 40) + (16 if b.hypertensive else 0)
        sys = int(sys + rng.gauss(0, 7))
        dia = int(0.6 * sys + 8 + rng.gauss(0, 5))
        panel(rec, "bp", [("sys", sys), ("dia", dia)], ctx)
    if v.measure_height or age < 18:
        observation(rec, "height", round(height, 1), ctx)
        observation(rec, "bmi", round(weight / (height / 100) ** 2, 1), ctx)
    for lab in v.labs:
        if lab == "glucose":
            value = 130 + 90 * r() if b.diabetic else 78 + 30 * r()
            observation(rec, "glucose", int(value), ctx)
        elif lab == "hba1c":
            observation(rec, "hba1c", round(6.4 + 3.0 * r(), 1), ctx)
        else:  # visual acuity, decimal (Snellen) notation as Vietnamese schools note it
            low = lab == "va-myopic"
            left = (3 + rng.randrange(5)) / 10 if low else (8 + rng.randrange(3)) / 10
            right = (3 + rng.randrange(5)) / 10 if low else (8 + rng.randrange(3)) / 10
            panel(rec, "va", [("va_left", left), ("va_right", right)], ctx)
