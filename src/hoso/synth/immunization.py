"""Vaccinations: the expanded programme (TCMR) for children, and the city's 2021–2022
COVID-19 campaign.

The TCMR schedule follows DOMAIN-VN.md §6 (hepatitis B within 24 h and BCG at birth;
DPT-VGB-Hib and bOPV at 2, 3, 4 months; IPV; measles at 9 months; Japanese encephalitis
from 12 months; DPT booster and MR at 18 months; Td at 7 years). Each dose is given with
a high probability once the previous one was (90–95 % complete series); birth doses at
the maternity hospital, the rest at the ward health station. Records go back to birth
for children born since 2010, as the national immunisation register holds them.
"""

from __future__ import annotations

from random import Random
from typing import Any

from hoso.synth.clinical import Record
from hoso.synth.codes import CVX, concept
from hoso.synth.facilities import Facility, Network
from hoso.synth.people import Person
from hoso.synth.sampling import HISTORY_END, NOW_DAY, day_in_year, iso_day, year_of

# (age in days, CVX, CVX display, Vietnamese name, dose number, lot prefix)
TCMR = (
    (0, "08", "Hep B, adolescent or pediatric", "Vắc xin viêm gan B sơ sinh", 1, "VGB"),
    (1, "19", "BCG", "Vắc xin BCG (phòng lao)", 1, "BCG"),
    (60, "102", "DTP-Hib-Hep B", "Vắc xin 5 trong 1 (DPT-VGB-Hib)", 1, "QVS"),
    (60, "178", "OPV bivalent", "Vắc xin bại liệt uống (bOPV)", 1, "OPV"),
    (90, "102", "DTP-Hib-Hep B", "Vắc xin 5 trong 1 (DPT-VGB-Hib)", 2, "QVS"),
    (90, "178", "OPV bivalent", "Vắc xin bại liệt uống (bOPV)", 2, "OPV"),
    (120, "102", "DTP-Hib-Hep B", "Vắc xin 5 trong 1 (DPT-VGB-Hib)", 3, "QVS"),
    (120, "178", "OPV bivalent", "Vắc xin bại liệt uống (bOPV)", 3, "OPV"),
    (150, "10", "IPV", "Vắc xin bại liệt tiêm (IPV)", 1, "IPV"),
    (270, "05", "measles", "Vắc xin sởi", 1, "MVV"),
    (365, "39", "Japanese encephalitis SC", "Vắc xin viêm não Nhật Bản", 1, "JEV"),
    (379, "39", "Japanese encephalitis SC", "Vắc xin viêm não Nhật Bản", 2, "JEV"),
    (548, "01", "DTP", "Vắc xin DPT (nhắc lại)", 4, "DPT"),
    (548, "04", "M/R", "Vắc xin sởi - rubella (MR)", 1, "MRV"),
    (730, "39", "Japanese encephalitis SC", "Vắc xin viêm não Nhật Bản", 3, "JEV"),
    (2557, "139", "Td(adult) unspecified formulation", "Vắc xin uốn ván - bạch hầu (Td)", 1,
     "TDV"),
)  # fmt: skip
_TCMR_CODE = {(cvx, vi): concept(CVX, cvx, en, vi) for _, cvx, en, vi, _, _ in TCMR}
TCMR_FROM_YEAR = 2010

_COVID = {
    "210": concept(CVX, "210", "COVID-19 vaccine, vector-nr, rS-ChAdOx1, PF, 0.5 mL",
                   "Vắc xin COVID-19 AstraZeneca"),
    "208": concept(CVX, "208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose",
                   "Vắc xin COVID-19 Pfizer-BioNTech"),
    "207": concept(CVX, "207", "COVID-19, mRNA, LNP-S, PF, 100 mcg/0.5 mL dose",
                   "Vắc xin COVID-19 Moderna"),
    "510": concept(CVX, "510", "COVID-19 IV Non-US Vaccine (BIBP, Sinopharm)",
                   "Vắc xin COVID-19 Vero Cell (Sinopharm)"),
    "218": concept(CVX, "218", "COVID-19, mRNA, LNP-S, PF, 10 mcg/0.2 mL dose, tris-sucrose",
                   "Vắc xin COVID-19 Pfizer-BioNTech (trẻ 5-11 tuổi)"),
}  # fmt: skip
_PRIMARY = ("210", "210", "210", "208", "208", "207", "510", "510")
_BOOSTER = ("208", "208", "207")


def _dose(
    rec: Record,
    p: Person,
    code: dict[str, Any],
    day: int,
    dose: int,
    series: str,
    facility: Facility,
    rng: Random,
    lot: str,
) -> None:
    staff = facility.nurses or facility.doctors
    rec.out.append({
        "resourceType": "Immunization",
        "id": rec.new_id("imm"),
        "status": "completed",
        "vaccineCode": code,
        "patient": {"reference": p.ref},
        "occurrenceDateTime": iso_day(day),
        "primarySource": True,
        "location": {"reference": facility.loc_ref},
        "lotNumber": f"{lot}{day % 97:02d}{rng.randrange(10)}",
        "expirationDate": iso_day(day + 180 + rng.randrange(360)),
        "performer": [{"actor": {"reference": f"Practitioner/{staff[rng.randrange(len(staff))]}"}}],
        "protocolApplied": [{"series": series, "doseNumberPositiveInt": dose}],
    })  # fmt: skip


def childhood(rec: Record, p: Person, rng: Random, net: Network) -> None:
    """The TCMR doses due by now, for children born since 2010."""
    if year_of(p.birth_day) < TCMR_FROM_YEAR:
        return
    maternity = net.hospitals("obstetric")
    born_at = maternity[rng.randrange(len(maternity))] if rng.random() < 0.6 else net.area[0]
    given: dict[str, bool] = {}
    for age_days, cvx, _, vi, dose, lot in TCMR:
        series_key = cvx
        previous_ok = given.get(series_key, True)
        chance = (0.97 if dose > 1 else 0.95) if previous_ok else 0.3
        if rng.random() >= chance:
            given[series_key] = False
            continue
        given[series_key] = True
        late = 0 if age_days == 0 else rng.randrange(21 if age_days < 400 else 60)
        day = p.birth_day + age_days + late
        if day > HISTORY_END:
            break
        facility = born_at if age_days <= 1 else p.station
        _dose(rec, p, _TCMR_CODE[cvx, vi], day, dose, "TCMR", facility, rng, lot)


def covid(rec: Record, p: Person, rng: Random) -> None:
    """The 2021 campaign: adults first (two doses, then boosters), 12–17 year olds in
    the autumn, 5–11 year olds in 2022."""
    age21 = p.age - 4  # age in late 2021
    station = p.station
    if p.birth_day > NOW_DAY - 5 * 365:
        return
    if age21 >= 18:
        if rng.random() >= 0.95:
            return
        first = day_in_year(2021, rng, (7, 9))
        vaccine = _PRIMARY[rng.randrange(len(_PRIMARY))]
        _dose(rec, p, _COVID[vaccine], first, 1, "COVID-19", station, rng, "CV")
        if rng.random() < 0.96:
            second = first + 28 + rng.randrange(56)
            _dose(rec, p, _COVID[vaccine], second, 2, "COVID-19", station, rng, "CV")
            if rng.random() < 0.62:
                booster = _BOOSTER[rng.randrange(len(_BOOSTER))]
                third = max(second + 90, day_in_year(2022, rng, (1, 6)))
                _dose(rec, p, _COVID[booster], third, 3, "COVID-19", station, rng, "CV")
                if age21 >= 50 and rng.random() < 0.3:
                    fourth = third + 120 + rng.randrange(120)
                    _dose(rec, p, _COVID[booster], fourth, 4, "COVID-19", station, rng, "CV")
    elif age21 >= 12:
        if rng.random() < 0.9:
            first = day_in_year(2021, rng, (10, 11))
            _dose(rec, p, _COVID["208"], first, 1, "COVID-19", station, rng, "CV")
            _dose(
                rec,
                p,
                _COVID["208"],
                first + 21 + rng.randrange(14),
                2,
                "COVID-19",
                station,
                rng,
                "CV",
            )
    elif age21 >= 4 and rng.random() < 0.6:
        first = day_in_year(2022, rng, (4, 6))
        _dose(rec, p, _COVID["218"], first, 1, "COVID-19", station, rng, "CV")
        _dose(
            rec, p, _COVID["218"], first + 28 + rng.randrange(28), 2, "COVID-19", station, rng, "CV"
        )
