"""One resident's ten years of care: the record the health book is benchmarked on.

    python -m bench.long_record --database-url postgresql://postgres@127.0.0.1:5432/hoso_bench_1m

Resident `BOOK_RESIDENT` of `bench.population` (a woman born in 1960, one of the
1,000,000 and not one of the `$everything` long records) gets 2015–2024 of care at the
population's five synthetic facilities: quarterly diabetes and hypertension visits,
three acute visits a year, an emergency and an admission (with a discharge summary) in
alternate years; each visit with its ICD-10 diagnoses, measurements (blood pressure,
glucose, HbA1c, weight, height, BMI, …) with reference ranges and interpretations,
prescriptions and procedures; and allergies, immunizations, a health-insurance Coverage,
home readings and yearly health-check papers. About 700 resources, all invented.

Deterministic (it depends only on the seed), standard library only. The resources are
written once to var/bench/ as NDJSON, in reference order, and imported with the bulk
importer (`bench.load.import_file`, `hoso import`'s path); ids are fixed, so a rerun
skips what is stored.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.population import SEED, VN, organization_id, person
from bench.record_builders import (
    BMI,
    CREATININE,
    CVX,
    GLUCOSE,
    HBA1C,
    HEIGHT,
    LDL,
    TEMPERATURE,
    WEIGHT,
    Medicine,
    RecordWriter,
)
from hoso.core.settings import DEFAULT_BHYT_SYSTEM

__all__ = ["BOOK_RESIDENT", "book_patient_id", "long_record", "record_file"]

BOOK_RESIDENT = 424_252  # Trần Hồng Linh, born 1960-07-21 (seed 2025)
YEARS = 10
FIRST_DAY = datetime(2015, 1, 5, 8, 0, tzinfo=VN)
ROOT = Path(__file__).resolve().parent.parent
HOME = 0  # the district hospital that follows her chronic diseases (facility index)

# From the year they were diagnosed: ICD-10, text, the long-term medicine.
CHRONIC: tuple[tuple[int, str, str, Medicine], ...] = (
    (0, "E11.9", "Đái tháo đường type 2", ("A10BA02", "Metformin 850 mg", "1 viên x 2 lần/ngày")),
    (1, "I10", "Tăng huyết áp vô căn", ("C08CA01", "Amlodipin 5 mg", "1 viên buổi sáng")),
    (3, "E78.5", "Tăng lipid máu", ("C10AA05", "Atorvastatin 20 mg", "1 viên buổi tối")),
)
ACUTE: tuple[tuple[str, str, Medicine], ...] = (
    ("J06.9", "Nhiễm trùng hô hấp trên cấp", ("J01FA10", "Azithromycin 500 mg", "1 viên/ngày")),
    ("K29.7", "Viêm dạ dày", ("A02BC01", "Omeprazol 20 mg", "1 viên trước ăn sáng")),
    ("M54.5", "Đau thắt lưng", ("M01AE01", "Ibuprofen 400 mg", "1 viên x 2 lần sau ăn")),
    ("N39.0", "Nhiễm khuẩn tiết niệu", ("J01MA02", "Ciprofloxacin 500 mg", "1 viên x 2 lần")),
    ("A09", "Viêm dạ dày - ruột", ("A07BA01", "Than hoạt tính", "2 viên x 3 lần/ngày")),
)
# ICD-10, text, medicine, procedure (SNOMED CT): emergencies, then admissions.
URGENT: tuple[tuple[str, str, Medicine, tuple[str, str]], ...] = (
    ("R07.4", "Đau ngực", ("B01AC06", "Aspirin 81 mg", "1 viên/ngày"), ("29303009", "Điện tâm đồ")),
    ("E16.2", "Hạ đường huyết", ("B05BA03", "Glucose 30%", "tiêm tĩnh mạch 20 ml"),
     ("29303009", "Điện tâm đồ")),
)  # fmt: skip
ADMISSIONS: tuple[tuple[str, str, Medicine, tuple[str, str]], ...] = (
    ("J18.9", "Viêm phổi", ("J01MA12", "Levofloxacin 750 mg", "1 lọ truyền/ngày"),
     ("399208008", "Chụp X-quang ngực")),
    ("I20.0", "Cơn đau thắt ngực không ổn định", ("C01DA02", "Nitroglycerin 0,4 mg",
     "ngậm dưới lưỡi khi đau"), ("33367005", "Chụp động mạch vành")),
    ("K35.8", "Viêm ruột thừa cấp", ("J01DH02", "Meropenem 1 g", "1 lọ x 3 lần/ngày"),
     ("80146002", "Cắt ruột thừa")),
)  # fmt: skip
_CLASS = {"AMB": "ambulatory", "EMER": "emergency", "IMP": "inpatient encounter"}


def book_patient_id(index: int = BOOK_RESIDENT, seed: int = SEED) -> str:
    return person(index, seed).id


def long_record(index: int = BOOK_RESIDENT, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """The whole record, each resource after what it points at (Encounters first)."""
    w = RecordWriter(person(index, seed), random.Random(f"{seed}:book:{index}"))
    yield from _background(w)
    for year in range(YEARS):
        for quarter in range(4):
            yield from _chronic_visit(w, year, quarter)
        for k in range(3):
            yield from _acute_visit(w, year, k)
        yield from _urgent_stay(w, year)
        yield from _home_and_papers(w, year)


def _background(w: RecordWriter) -> Iterator[dict[str, Any]]:
    """Coverage, allergies, blood group, a past operation, immunizations."""
    p, start = w.p, FIRST_DAY
    yield w.new("Coverage", "cov", HOME, status="active",
                identifier=[{"system": DEFAULT_BHYT_SYSTEM, "value": f"HT379{p.cccd[-10:]}"}],
                subscriberId=f"HT379{p.cccd[-10:]}", beneficiary=w.subject,
                relationship={"coding": [{"code": "self"}]},
                period={"start": "2024-01-01", "end": "2024-12-31"},
                payor=[{"display": "Bảo hiểm xã hội Việt Nam"}])  # fmt: skip
    for kind, text, criticality, reaction in (
        ("medication", "Penicilin", "high", "Mày đay, khó thở"),
        ("food", "Tôm, cua", "low", "Ngứa, nổi mẩn"),
        ("environment", "Bụi nhà", "low", "Hắt hơi, sổ mũi"),
    ):
        yield w.new("AllergyIntolerance", "alg", HOME, type="allergy", category=[kind],
                    criticality=criticality, code={"text": text}, patient=w.subject,
                    clinicalStatus={"coding": [{"system": "http://terminology.hl7.org/"
                                    "CodeSystem/allergyintolerance-clinical", "code": "active"}]},
                    recordedDate=start.isoformat(),
                    reaction=[{"manifestation": [{"text": reaction}]}])  # fmt: skip
    yield w.new("Observation", "obs", HOME, status="final",
                code={"coding": [{"system": "http://loinc.org", "code": "882-1",
                                  "display": "ABO and Rh group [Type] in Blood"}]},
                subject=w.subject, effectiveDateTime=start.isoformat(),
                valueCodeableConcept={"text": "O Rh+"})  # fmt: skip
    yield w.procedure(("80146002", "Cắt ruột thừa (năm 1988)"), datetime(1988, 6, 1, tzinfo=VN),
                      2, None)  # fmt: skip
    yield from _immunizations(w)


def _immunizations(w: RecordWriter) -> Iterator[dict[str, Any]]:
    doses = [("43", "Viêm gan B", FIRST_DAY + timedelta(days=30 * k), k + 1) for k in (0, 1, 6)]
    doses += [("141", "Cúm mùa", datetime(2015 + y, 10, 15, 9, tzinfo=VN), 1)
              for y in range(YEARS)]  # fmt: skip
    doses += [("210", "COVID-19 (AstraZeneca)", datetime(2021, 8, 2, tzinfo=VN)
               + timedelta(days=60 * k), k + 1) for k in range(2)]  # fmt: skip
    doses += [("208", "COVID-19 (Pfizer)", datetime(2022, 1, 10, tzinfo=VN), 3)]
    for cvx, text, when, dose in doses:
        yield w.new("Immunization", "imm", 1 + dose % 4, status="completed",
                    vaccineCode={"coding": [{"system": CVX, "code": cvx}], "text": text},
                    patient=w.subject, occurrenceDateTime=when.isoformat(),
                    lotNumber=f"L{when.year}{w.rng.randrange(1000, 9999)}",
                    protocolApplied=[{"doseNumberPositiveInt": dose}])  # fmt: skip


def _visit(w: RecordWriter, klass: str, when: datetime, facility: int, hours: float,
           reason: tuple[str, str]) -> dict[str, Any]:  # fmt: skip
    return w.new(
        "Encounter", "enc", facility, status="finished",
        **{"class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                     "code": klass, "display": _CLASS[klass]}},
        subject=w.subject,
        participant=[{"individual": {"reference": f"Practitioner/{w.doctor()}"}}],
        period={"start": when.isoformat(), "end": (when + timedelta(hours=hours)).isoformat()},
        reasonCode=[{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10",
                                 "code": reason[0]}], "text": reason[1]}],
        serviceProvider={"reference": f"Organization/{organization_id(facility)}"},
    )  # fmt: skip


def _chronic_visit(w: RecordWriter, year: int, quarter: int) -> Iterator[dict[str, Any]]:
    """The quarterly follow-up of her diabetes, blood pressure and lipids."""
    when = FIRST_DAY + timedelta(days=365 * year + 91 * quarter + w.rng.randrange(20))
    known = [c for c in CHRONIC if c[0] <= year]
    encounter = _visit(w, "AMB", when, HOME, 0.5, (known[-1][1], known[-1][2]))
    yield encounter
    at, eid, rng = when + timedelta(minutes=10), encounter["id"], w.rng
    for _, icd, text, _ in known:
        yield w.diagnosis(icd, text, at, HOME, eid)
    weight = round(68 - year * 0.4 + rng.uniform(-1.5, 1.5), 1)
    yield w.blood_pressure(at, HOME, eid)
    yield w.measured(WEIGHT, weight, at, HOME, eid)
    if quarter == 0:
        yield w.measured(HEIGHT, 154.0, at, HOME, eid)
    yield w.measured(BMI, round(weight / 1.54**2, 1), at, HOME, eid)
    yield w.measured(GLUCOSE, round(rng.uniform(5.6, 10.5), 1), at, HOME, eid)
    if quarter % 2 == 0:
        yield w.measured(HBA1C, round(rng.uniform(6.2, 8.6), 1), at, HOME, eid)
    if quarter == 1 and year >= 3:
        yield w.measured(LDL, round(rng.uniform(2.2, 4.4), 1), at, HOME, eid)
    if quarter == 2:
        yield w.measured(CREATININE, rng.randrange(60, 115), at, HOME, eid)
    for _, _, _, medicine in known:
        yield w.prescription(medicine, at, HOME, eid, days=90)
    if quarter == 3:
        yield w.procedure(("252779009", "Chụp đáy mắt tầm soát biến chứng"), at, HOME, eid)


def _acute_visit(w: RecordWriter, year: int, k: int) -> Iterator[dict[str, Any]]:
    icd, text, medicine = ACUTE[w.rng.randrange(len(ACUTE))]
    when = FIRST_DAY + timedelta(days=365 * year + 120 * k + 45 + w.rng.randrange(40),
                                 hours=w.rng.randrange(8))  # fmt: skip
    facility = 1 + w.rng.randrange(4)
    encounter = _visit(w, "AMB", when, facility, 0.3, (icd, text))
    yield encounter
    at, eid = when + timedelta(minutes=5), encounter["id"]
    yield w.diagnosis(icd, text, at, facility, eid)
    yield w.blood_pressure(at, facility, eid)
    yield w.measured(TEMPERATURE, round(w.rng.uniform(36.5, 38.8), 1), at, facility, eid)
    yield w.prescription(medicine, at, facility, eid, days=7)


def _urgent_stay(w: RecordWriter, year: int) -> Iterator[dict[str, Any]]:
    """An emergency in odd years; in even years an admission, with its discharge paper."""
    admitted = year % 2 == 0
    icd, text, medicine, procedure = (ADMISSIONS[year // 2 % 3] if admitted
                                      else URGENT[year // 2 % 2])  # fmt: skip
    when = FIRST_DAY + timedelta(days=365 * year + 200 + w.rng.randrange(60), hours=13)
    facility, hours = (3, 24 * (3 + w.rng.randrange(5))) if admitted else (4, 6)
    encounter = _visit(w, "IMP" if admitted else "EMER", when, facility, hours, (icd, text))
    yield encounter
    at, eid, rng = when + timedelta(minutes=20), encounter["id"], w.rng
    yield w.diagnosis(icd, text, at, facility, eid)
    yield w.blood_pressure(at, facility, eid)
    yield w.measured(GLUCOSE, round(rng.uniform(3.1, 12.0), 1), at, facility, eid)
    yield w.procedure(procedure, at + timedelta(hours=1), facility, eid)
    yield w.prescription(medicine, at, facility, eid, days=5)
    if admitted:
        yield w.diagnosis("E11.9", "Đái tháo đường type 2", at, facility, eid)
        yield w.measured(HBA1C, round(rng.uniform(6.5, 9.0), 1), at, facility, eid)
        yield w.prescription(CHRONIC[0][3], at, facility, eid, days=hours // 24)
        end = when + timedelta(hours=hours)
        yield w.paper("Giấy ra viện", "18842-5", f"Chẩn đoán: {icd} {text}. Ra viện, ổn định.",
                      end, facility, eid)  # fmt: skip


def _home_and_papers(w: RecordWriter, year: int) -> Iterator[dict[str, Any]]:
    """Readings taken outside a visit (the commune health station) and the yearly
    health-check certificate."""
    for month in (2, 5, 8, 11):
        when = datetime(2015 + year, month, 1 + w.rng.randrange(27), 7, tzinfo=VN)
        yield w.blood_pressure(when, 2, None)
        yield w.measured(GLUCOSE, round(w.rng.uniform(5.4, 9.8), 1), when, 2, None)
    checked = datetime(2015 + year, 12, 1 + w.rng.randrange(20), 9, tzinfo=VN)
    text = f"Khám sức khỏe định kỳ năm {2015 + year}: đủ sức khỏe."
    yield w.paper("Giấy khám sức khỏe định kỳ", "11503-0", text, checked, 1, None)
    if year == YEARS - 1:
        yield w.diagnosis("H25.9", "Đục thể thủy tinh", checked, 1, None)


def record_file(index: int = BOOK_RESIDENT, seed: int = SEED) -> Path:
    """The record as NDJSON under var/bench/ (written once, then reused)."""
    path = ROOT / "var" / "bench" / f"long-record-{seed}-{index}.ndjson"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        with part.open("wb") as f:
            for resource in long_record(index, seed):
                f.write(orjson.dumps(resource) + b"\n")
        part.rename(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--index", type=int, default=BOOK_RESIDENT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    from bench.load import import_file
    from hoso.assembly import open_store
    from hoso.ingest.bulk_import import ImportOptions

    path = record_file(args.index, args.seed)
    store = open_store(args.database_url)
    try:
        report = import_file(store, path, ImportOptions(batch_resources=1000))
    finally:
        store.engine.dispose()
    print(json.dumps({"patient": book_patient_id(args.index, args.seed), "file": str(path),
                      "written": report.written, "counts": report.counts,
                      "errors": report.errors[:5], "warnings": report.warnings[:5]},
                     indent=2, ensure_ascii=False, default=str))  # fmt: skip
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
