"""A small programmes world for the framework's tests: residents of two wards, a ward
health station for each, a toy blood-pressure programme with its rule, and the
recompute and access facades wired as the server wires them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any, ClassVar

from hoso.access.principal import Principal
from hoso.access.programme_records import ProgrammeRecords
from hoso.access.programmes import ProgrammeAccess
from hoso.access.publichealth_tracing import MappedStations
from hoso.access.repository import AccessRepository
from hoso.programmes.framework import DUE, OVERDUE, Assessment, DueItem, IndicatorDef, Record
from hoso.programmes.recompute import READ_TYPES, Recompute
from hoso.programmes.rules import parse_rule
from hoso.programmes.wards import home_ward
from hoso.store.programme_rows import SqlProgrammeRows
from hoso.store.sql_store import SqlStore
from tests.builders.patient import resident
from tests.callers import staff

WARD, OTHER_WARD = "26740", "26743"  # Phường Sài Gòn, Phường Bến Thành
WARD_NAMES = {WARD: "Phường Sài Gòn", OTHER_WARD: "Phường Bến Thành"}
STATION, OTHER_STATION = "79TYT01", "79TYT02"
LOINC = "http://loinc.org"
FORM = {
    "resourceType": "Questionnaire", "url": "https://hoso.vn/fhir/Questionnaire/toy-bp",
    "version": "1", "status": "active", "title": "Khám huyết áp / BP visit",
    "item": [
        {"linkId": "sbp", "type": "integer", "required": True,
         "text": "Huyết áp tâm thu / Systolic BP", "code": [{"system": LOINC, "code": "8480-6"}],
         "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/minValue",
                        "valueInteger": 50},
                       {"url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                        "valueInteger": 300}]},
        {"linkId": "note", "type": "string", "text": "Ghi chú / Note"},
    ],
}  # fmt: skip
RULE = parse_rule({
    "code": "toy-bp", "version": "1", "name": {"vi": "Tăng huyết áp (thử)", "en": "Toy BP"},
    "any": [{"condition": {"icd10": ["I10-I15"]}},
            {"observation": {"code": f"{LOINC}|8480-6", "min": 140, "count": 2,
                             "within_days": 365}}]})  # fmt: skip


class ToyBloodPressure:
    """A visit every 30 days after the last systolic reading (or now)."""

    code = "toy-bp"
    name: ClassVar[dict[str, str]] = {"vi": "Tăng huyết áp (thử)", "en": "Toy hypertension"}
    rule = "toy-bp"
    reads = ("Condition", "Observation")
    forms = (FORM,)
    indicators = (IndicatorDef("controlled", {"vi": "Kiểm soát", "en": "Controlled"},
                               "controlled"),)  # fmt: skip

    def assess(self, record: Record, today: date) -> Assessment:
        readings = sorted((o.get("effectiveDateTime", "")[:10], o["valueQuantity"]["value"])
                          for o in record.of("Observation") if "valueQuantity" in o)  # fmt: skip
        last = date.fromisoformat(readings[-1][0]) if readings else None
        due = (last + timedelta(days=30)) if last else today
        status = OVERDUE if due < today - timedelta(days=30) else DUE
        return Assessment(
            due=(DueItem("bp-visit", {"vi": "Khám huyết áp", "en": "BP visit"}, due, status,
                         form=FORM["url"]),),
            measures={"controlled": bool(readings) and readings[-1][1] < 140},
            summary={"vi": f"{len(readings)} lần đo", "en": f"{len(readings)} readings"},
        )  # fmt: skip


def home(n: int, ward: str = WARD) -> dict[str, Any]:
    return {
        **resident(n),
        "address": [
            {
                "use": "home",
                "line": [f"{n} Lê Lợi"],
                "district": WARD_NAMES[ward],
                "city": "Hồ Chí Minh",
            }
        ],
    }


def bp(patient_id: str, sbp: int, day: date) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
            "subject": {"reference": f"Patient/{patient_id}"},
            "effectiveDateTime": day.isoformat(),
            "valueQuantity": {"value": sbp, "unit": "mm[Hg]"}}  # fmt: skip


def hypertension(patient_id: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "subject": {"reference": f"Patient/{patient_id}"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}]},
            "recordedDate": "2024-01-01"}  # fmt: skip


def station_clinician(org_id: str | None, facility: str = STATION) -> Principal:
    who = staff("clinician", facility=facility)
    return replace(who, facility_orgs=(f"Organization/{org_id}",) if org_id else ())


STATIONS = MappedStations({WARD: STATION, OTHER_WARD: OTHER_STATION})


def recompute(store: SqlStore, operator: AccessRepository, **options: Any) -> Recompute:
    registers = access(store, operator)
    return Recompute(ProgrammeRecords(operator, READ_TYPES), registers, (ToyBloodPressure(),),
                     {"toy-bp": RULE}, **options)  # fmt: skip


def access(store: SqlStore, repo: AccessRepository) -> ProgrammeAccess:
    return ProgrammeAccess(repo, SqlProgrammeRows(store.engine), STATIONS, home_ward)
