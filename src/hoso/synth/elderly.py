"""Older residents' programme visits at the ward station in 2024–2025: the yearly
health check, the WHO ICOPE step 1 screening, the step 2 assessments its positive
domains call for, and home visits to the dependent and bedridden — with the ground
truth of what was generated (ground_truth/elderly.csv).

Every rate here is a HOUSE assumption for a plausible city, not a survey: a 2025
health check for about two thirds of the elderly (the national target is 70 %,
QĐ 1579/QĐ-TTg), screening for about 60 %, each intrinsic-capacity domain positive
more often with age, dependency (Barthel ≤ 60) from 3 % at 60–69 to 22 % at 80+, a
third of the dependent bedridden. Scores are made by construction (the points first,
then answers that give them), so the truth is known without scoring code.
"""

from __future__ import annotations

from datetime import date
from random import Random

from hoso.synth.clinical import Record
from hoso.synth.measures import Body
from hoso.synth.people import Person
from hoso.synth.responses import (
    LOINC,
    Answer,
    boolean,
    coded,
    decimal,
    integer,
    measured,
    station_visit,
    visit_response,
)
from hoso.synth.sampling import HISTORY_END, iso_day

__all__ = ["ELDERLY_HEADER", "elderly_care"]

ELDERLY_HEADER = ("patient_id", "last_check", "screened_on", "positive_domains", "sppb",
                  "mna_sf", "mini_cog", "phq9", "barthel", "dependent", "bedridden",
                  "last_home_visit")  # fmt: skip
CHECK_SHARE = {2024: 0.60, 2025: 0.66}
SCREEN_SHARE = 0.60
STEP2_DONE = 0.70
DOMAIN_RATE = {
    "cognition": 0.15,
    "mobility": 0.20,
    "nutrition": 0.10,
    "vision": 0.30,
    "hearing": 0.15,
    "depressive": 0.12,
}  # at 60-69; × 1.5 at 70-79, × 2 at 80+
DEPENDENT_RATE = ((80, 0.22), (70, 0.08), (60, 0.03))
BEDRIDDEN_SHARE = 0.35
PHQ = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
BARTHEL_ITEMS = (("feeding", (0, 5, 10)), ("bathing", (0, 5)), ("grooming", (0, 5)),
                 ("dressing", (0, 5, 10)), ("bowels", (0, 5, 10)), ("bladder", (0, 5, 10)),
                 ("toilet", (0, 5, 10)), ("transfers", (0, 5, 10, 15)),
                 ("mobility", (0, 5, 10, 15)), ("stairs", (0, 5, 10)))  # fmt: skip
YEAR_START = {2024: date(2024, 1, 1).toordinal(), 2025: date(2025, 1, 1).toordinal()}
GAIT = {4: (3.5, 4.81), 3: (4.82, 6.2), 2: (6.21, 8.7), 1: (8.71, 15.0)}  # SPPB seconds
CHAIR = {4: (7.5, 11.19), 3: (11.2, 13.69), 2: (13.7, 16.69), 1: (16.7, 40.0)}


def _age_factor(age: int) -> float:
    return 2.0 if age >= 80 else 1.5 if age >= 70 else 1.0


def _day(rng: Random, first: int, last: int) -> int:
    return first + rng.randrange(max(1, last - first + 1))


def _check(rec: Record, p: Person, b: Body, rng: Random, day: int, flags: tuple[bool, bool],
           age: int) -> None:  # fmt: skip
    ctx = station_visit(rec, p, day, rng, ["Z00.0"])
    systolic = int(
        b.systolic + 0.5 * max(0, age - 40) + (16 if b.hypertensive else 0) + rng.gauss(0, 7)
    )  # same body as the other visits (measures.measure)
    diastolic = int(0.6 * systolic + 8 + rng.gauss(0, 5))
    weight = round(b.bmi * (b.adult_height / 100) ** 2 * (0.97 + 0.06 * rng.random()), 1)
    answers: list[Answer] = [
        ("bp-systolic", integer(systolic)),
        ("bp-diastolic", integer(diastolic)),
        ("weight", decimal(weight)),
    ]
    if flags[0]:
        answers += [("dependent", boolean(True)), ("bedridden", boolean(flags[1]))]
    visit_response(rec, "elderly-health-check", answers, ctx)
    measured(rec, "8480-6", "Systolic blood pressure", systolic, "mm[Hg]", ctx)
    measured(rec, "8462-4", "Diastolic blood pressure", diastolic, "mm[Hg]", ctx)
    measured(rec, "29463-7", "Body weight", weight, "kg", ctx)


def _cognition(rng: Random, positive: bool) -> list[Answer]:
    """All correct, or one way of failing: fewer than 3 words, the date, the place."""
    recall, date_ok, place_ok = 3, True, True
    if positive:
        roll = rng.random()
        if roll < 0.6:
            recall = rng.randrange(3)
        elif roll < 0.85:
            date_ok = False
        else:
            place_ok = False
    return [("cog-recall", integer(recall)), ("cog-date", boolean(date_ok)),
            ("cog-place", boolean(place_ok))]  # fmt: skip


def _either(rng: Random, positive: bool) -> tuple[bool, bool]:
    """Two yes/no questions of a domain: both no, or at least one yes."""
    if not positive:
        return False, False
    first = rng.random() < 0.6
    return first, (not first) or rng.random() < 0.4


def _screen(rng: Random, age: int, dependent: bool) -> tuple[list[Answer], list[str]]:
    factor = _age_factor(age)
    positive = [d for d, rate in DOMAIN_RATE.items() if rng.random() < min(0.9, rate * factor)]
    if dependent and "mobility" not in positive:
        positive.append("mobility")
    pos = set(positive)
    answers = _cognition(rng, "cognition" in pos)
    if "mobility" in pos and (dependent or rng.random() < 0.15):
        answers.append(("mob-chair-unable", boolean(True)))
    else:
        low, high = (14.1, 30.0) if "mobility" in pos else (7.0, 13.9)
        answers.append(("mob-chair-seconds", decimal(low + (high - low) * rng.random())))
    weight_loss, appetite = _either(rng, "nutrition" in pos)
    down, interest = _either(rng, "depressive" in pos)
    answers += [("nut-weight-loss", boolean(weight_loss)), ("nut-appetite", boolean(appetite)),
                ("vis-problem", boolean("vision" in pos)),
                ("hear-whisper", boolean("hearing" not in pos)),
                ("dep-down", boolean(down)), ("dep-interest", boolean(interest))]  # fmt: skip
    order = list(DOMAIN_RATE)
    return answers, sorted(positive, key=order.index)


def _sppb(rng: Random, dependent: bool) -> tuple[list[Answer], int]:
    """Points first (balance 0-4, gait 0-4, chair 0-4), then times inside their bands."""
    balance = rng.choice((0, 1)) if dependent else rng.choice((1, 2, 3, 3, 4))
    gait = 0 if dependent and rng.random() < 0.5 else rng.choice((1, 2, 2, 3, 3, 4))
    chair = 0 if dependent else rng.choice((0, 1, 1, 2, 2, 3))
    answers: list[Answer] = [("bal-side", boolean(balance >= 1))]
    if balance >= 1:
        answers.append(("bal-semi", boolean(balance >= 2)))
    if balance >= 2:  # tandem: < 3 s → 0, 3-9.99 s → 1, 10 s → 2 more points
        tandem = {2: 1.5, 3: 3.0 + 6.9 * rng.random(), 4: 10.0}[balance]
        answers.append(("bal-tandem-seconds", decimal(tandem)))
    for name, points, bands in (("gait", gait, GAIT), ("chair", chair, CHAIR)):
        if points == 0:
            answers.append((f"{name}-unable", boolean(True)))
        else:
            low, high = bands[points]
            answers.append((f"{name}-seconds", decimal(low + (high - low) * rng.random())))
    return answers, balance + gait + chair


def _barthel(rng: Random, state: tuple[bool, bool]) -> tuple[list[Answer], int]:
    """From full marks, items lowered a step at a time until the total is at or below a
    target drawn inside the resident's band (≤ 20 bedridden, 21-60 dependent, ≥ 61
    otherwise); a step is at most 15 points, so the total stays inside the band."""
    target = (rng.randrange(21) if state[1] else 36 + rng.randrange(25) if state[0]
              else 76 + rng.randrange(25))  # fmt: skip
    level = {item: len(values) - 1 for item, values in BARTHEL_ITEMS}
    values = dict(BARTHEL_ITEMS)
    total = 100
    while total > target:
        item = rng.choice([i for i, k in level.items() if k > 0])
        total -= values[item][level[item]] - values[item][level[item] - 1]
        level[item] -= 1
    answers = [(f"bi-{item}", coded(f"{item}-{values[item][level[item]]}")) for item in level]
    return answers, total


def _step2(rec: Record, p: Person, rng: Random, day: int, domains: list[str],
           state: tuple[bool, bool], row: dict[str, str]) -> None:  # fmt: skip
    if rng.random() >= STEP2_DONE:
        return
    ctx = station_visit(rec, p, day, rng, ["Z00.0"])
    dependent = state[0]
    if "mobility" in domains:
        answers, score = _sppb(rng, dependent)
        visit_response(rec, "sppb", answers, ctx)
        row["sppb"] = str(score)
    if "mobility" in domains or "cognition" in domains:
        answers, total = _barthel(rng, state)
        visit_response(rec, "barthel", answers, ctx)
        row["barthel"] = str(total)
    if "nutrition" in domains:
        points = [rng.choice((0, 1, 2)), rng.choice((0, 1, 2, 3)), 1 if dependent else 2,
                  rng.choice((0, 2)), rng.choice((1, 2)), rng.choice((1, 2, 3))]  # fmt: skip
        codes = [f"a{points[0]}", f"b{points[1]}", f"c{points[2]}", f"d{points[3]}",
                 f"e{points[4]}", f"f1-{points[5]}"]  # fmt: skip
        links = ("mna-a", "mna-b", "mna-c", "mna-d", "mna-e", "mna-f1")
        visit_response(rec, "mna-sf", [(k, coded(c)) for k, c in zip(links, codes, strict=True)],
                       ctx)  # fmt: skip
        row["mna_sf"] = str(sum(points))
    if "cognition" in domains:
        recall, clock = rng.randrange(4), rng.random() < 0.5
        visit_response(
            rec,
            "mini-cog",
            [
                ("mc-recall", integer(recall)),
                ("mc-clock", coded("clock-normal" if clock else "clock-abnormal")),
            ],
            ctx,
        )
        row["mini_cog"] = str(recall + (2 if clock else 0))
    if "depressive" in domains:
        points = [rng.choice((0, 1, 1, 2, 3)) for _ in range(8)] + [rng.choice((0, 0, 0, 0, 1))]
        visit_response(rec, "phq-9", [(f"phq-{k + 1}", coded(PHQ[v], LOINC))
                                      for k, v in enumerate(points)], ctx)  # fmt: skip
        row["phq9"] = str(sum(points))


def elderly_care(rec: Record, p: Person, b: Body, seed: int) -> tuple[str, ...] | None:
    """The programme's visits for a resident 60 or over; their ground-truth row."""
    if p.age < 60:
        return None
    rng = Random(f"{seed}:elderly:{p.index}")
    rate = next(r for low, r in DEPENDENT_RATE if p.age >= low)
    dependent = rng.random() < rate
    state = (dependent, dependent and rng.random() < BEDRIDDEN_SHARE)
    row = dict.fromkeys(ELDERLY_HEADER, "")
    row["patient_id"], row["dependent"], row["bedridden"] = p.id, str(state[0]), str(state[1])
    for year, start in YEAR_START.items():
        if rng.random() < CHECK_SHARE[year]:
            day = _day(rng, start, min(HISTORY_END, start + 364))
            _check(rec, p, b, rng, day, state, p.age - (2026 - year))
            row["last_check"] = iso_day(day)
    if rng.random() < SCREEN_SHARE:
        day = _day(rng, YEAR_START[2025], HISTORY_END - 40)
        answers, domains = _screen(rng, p.age, state[0])
        visit_response(rec, "icope-step1", answers, station_visit(rec, p, day, rng, ["Z00.0"]))
        row["screened_on"], row["positive_domains"] = iso_day(day), "|".join(domains)
        if domains:
            _step2(rec, p, rng, day + 7 + rng.randrange(21), domains, state, row)
    if state[0]:
        every = 30 if state[1] else 90
        day = HISTORY_END - rng.randrange(every + 30)  # some visits are late
        ctx = station_visit(rec, p, day, rng, ["Z00.0"])
        visit_response(
            rec,
            "elderly-home-visit",
            [("dependent", boolean(True)), ("bedridden", boolean(state[1]))],
            ctx,
        )
        row["last_home_visit"] = iso_day(day)
    return tuple(row[k] for k in ELDERLY_HEADER)
