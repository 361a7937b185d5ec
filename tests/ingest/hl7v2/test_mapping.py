"""HL7 v2 → FHIR, field by field (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.core.settings import Settings
from hoso.ingest.hl7v2 import Hl7Rejected, Hl7Result, parse_message, to_bundle
from tests.ingest.hl7v2.messages import (
    ADT_A01,
    ADT_A03,
    ADT_A04,
    ADT_A08,
    ADT_A40,
    BHYT,
    CCCD,
    FACILITY,
    ORU_R01,
    PID,
    VXU_V04,
    adt,
    join,
    msh,
)

SETTINGS = Settings(database_url="sqlite://")


def _map(text: str) -> Hl7Result:
    return to_bundle(parse_message(text.encode()), settings=SETTINGS, facility=FACILITY)


def _resources(result: Hl7Result, kind: str) -> list[dict[str, Any]]:
    assert result.bundle is not None, result.errors
    return [e["resource"] for e in result.bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_header_fields() -> None:
    result = _map(ADT_A01)
    assert (result.control_id, result.sending_facility, result.errors) == ("ADT0001", FACILITY, [])


def test_patient_fields() -> None:
    result = _map(ADT_A04)
    entry = result.bundle["entry"][0]  # type: ignore[index]
    assert entry["request"] == {"method": "POST", "url": "Patient"}  # the MPI decides
    patient = entry["resource"]
    cccd, bhyt, mrn = patient["identifier"]
    assert (cccd["system"], cccd["value"]) == (SETTINGS.cccd_system, CCCD)
    assert (bhyt["system"], bhyt["value"]) == (SETTINGS.bhyt_system, BHYT)
    assert mrn["value"] == "BN0042" and mrn["system"].endswith(f"/{FACILITY}/ma-bn")
    assert patient["name"] == [
        {"use": "official", "text": "Nguyễn Văn An", "family": "Nguyễn", "given": ["Văn", "An"]}
    ]
    assert (patient["birthDate"], patient["gender"]) == ("1985-02-14", "male")
    assert patient["address"][0]["line"] == ["12 Lê Lợi", "Phường Bến Thành"]
    assert patient["address"][0]["state"] == "Thành phố Hồ Chí Minh"
    assert patient["telecom"] == [{"system": "phone", "value": "0903123456"}]


def test_birth_date_keeps_its_precision() -> None:
    result = _map(adt("A04").replace("||19850214|M|", "||1985|F|"))
    patient = _resources(result, "Patient")[0]
    assert (patient["birthDate"], patient["gender"]) == ("1985", "female")


def test_cccd_with_eleven_digits_is_an_error_on_pid_3() -> None:
    result = _map(adt("A04").replace(CCCD, CCCD[1:]))
    assert result.bundle is None
    assert [(e.position, e.code, e.severity) for e in result.errors] == [("PID-3", "102", "E")]
    assert "11 chữ số" in result.errors[0].vi


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        (ADT_A01, "in-progress", "IMP"),
        (ADT_A04, "in-progress", "AMB"),
        (ADT_A08, "in-progress", "IMP"),
        (ADT_A03, "finished", "IMP"),
    ],
)
def test_encounter_per_event(text: str, status: str, code: str) -> None:
    result = _map(text)
    entry = result.bundle["entry"][1]  # type: ignore[index]
    encounter = entry["resource"]
    assert (encounter["status"], encounter["class"]["code"]) == (status, code)
    assert encounter["serviceProvider"]["reference"] == (
        f"Organization?identifier={SETTINGS.facility_system}|{FACILITY}"
    )
    assert entry["request"]["method"] == "PUT"
    assert encounter["identifier"][0]["value"] in (
        f"{FACILITY}-VV2025-0001",
        f"{FACILITY}-KB2025-0777",
    )


def test_encounter_period_at_vietnam_time() -> None:
    encounter = _resources(_map(ADT_A03), "Encounter")[0]
    assert encounter["period"] == {
        "start": "2025-03-12T08:05:00+07:00",
        "end": "2025-03-18T10:15:00+07:00",
    }
    assert _resources(_map(ADT_A04), "Encounter")[0]["period"] == {
        "start": "2025-03-12T08:30:00+07:00"
    }


def test_emergency_class() -> None:
    result = _map(ADT_A01.replace("PV1|1|I|", "PV1|1|E|"))
    assert _resources(result, "Encounter")[0]["class"]["code"] == "EMER"


def test_oru_observations() -> None:
    result = _map(ORU_R01)
    kinds = [e["resource"]["resourceType"] for e in result.bundle["entry"]]  # type: ignore[index]
    assert kinds == [
        "Patient",
        "Encounter",
        "Observation",
        "Observation",
        "Observation",
        "DiagnosticReport",
    ]
    glucose, remark, covid = _resources(result, "Observation")
    assert glucose["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "2345-7",
        "display": "Glucose [Mass/volume] in Serum or Plasma",
    }
    assert glucose["valueQuantity"] == {
        "value": 6.4,
        "unit": "mmol/L",
        "system": "http://unitsofmeasure.org",
        "code": "mmol/L",
    }
    assert glucose["interpretation"][0]["coding"][0]["code"] == "H"
    assert glucose["effectiveDateTime"] == "2025-03-12T09:15:00+07:00"
    assert (glucose["status"], remark["status"], covid["status"]) == (
        "final",
        "corrected",
        "preliminary",
    )
    assert remark["valueString"] == "Mẫu hơi vỡ hồng cầu"
    assert remark["code"]["coding"][0]["code"] == "XN-NT"  # a local code stays local
    assert covid["valueCodeableConcept"]["coding"][0]["code"] == "260385009"
    assert glucose["identifier"][0]["value"] == f"{FACILITY}-XN-2025-0091-1"
    assert glucose["encounter"]["reference"] == result.bundle["entry"][1]["fullUrl"]  # type: ignore[index]


def test_oru_report() -> None:
    result = _map(ORU_R01)
    report = _resources(result, "DiagnosticReport")[0]
    assert report["code"]["coding"][0]["code"] == "24323-8"
    assert report["effectiveDateTime"] == "2025-03-12T07:00:00+07:00"
    assert len(report["result"]) == 3 and report["status"] == "final"
    assert report["identifier"][0]["value"] == f"{FACILITY}-XN-2025-0091"


def test_non_ucum_unit_is_kept_as_text() -> None:
    result = _map(ORU_R01.replace("|6.4|mmol/L|", "|6.4|mmol trên lít|"))
    quantity = _resources(result, "Observation")[0]["valueQuantity"]
    assert quantity == {"value": 6.4, "unit": "mmol trên lít"}


def test_non_numeric_nm_is_an_error_on_obx_5() -> None:
    result = _map(ORU_R01.replace("|6.4|", "|sáu|"))
    assert result.bundle is None
    assert [(e.position, e.code) for e in result.errors] == [("OBX-5", "102")]


def test_vxu_immunizations() -> None:
    result = _map(VXU_V04)
    hep_b, bcg = _resources(result, "Immunization")
    assert hep_b["vaccineCode"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/cvx",
        "code": "08",
        "display": "Hep B, adolescent or pediatric",
    }
    assert hep_b["occurrenceDateTime"] == "2025-03-10T09:30:00+07:00"
    assert (hep_b["lotNumber"], hep_b["manufacturer"]["display"]) == (
        "AB1234",
        "Merck Sharp & Dohme",
    )
    assert hep_b["status"] == "completed"
    assert hep_b["identifier"][0]["value"] == f"{FACILITY}-vx-TC-2025-1234"
    assert bcg["vaccineCode"]["coding"][0]["system"].endswith("/CodeSystem/vac-xin")
    assert bcg["status"] == "not-done"  # RXA-20 RE: refused


def test_vxu_without_filler_number_keys_by_person_vaccine_and_date() -> None:
    result = _map(VXU_V04.replace("ORC|RE||TC-2025-1234\r", ""))
    keys = [i["identifier"][0]["value"] for i in _resources(result, "Immunization")]
    assert keys[0] == f"{FACILITY}-vx-{CCCD}-08-20250310"


def test_merge_returns_the_pair_and_no_bundle() -> None:
    result = _map(ADT_A40)
    assert (result.bundle, result.merge) == (None, (CCCD, "079085009999"))


@pytest.mark.parametrize(("kind", "code"), [("ADT^A31^ADT_A05", "201"), ("SIU^S12", "200")])
def test_unsupported_type_or_event(kind: str, code: str) -> None:
    result = _map(join(msh(kind, "X1"), PID))
    assert result.bundle is None
    assert [(e.position, e.code) for e in result.errors] == [("MSH-9", code)]


def test_other_character_set_is_refused() -> None:
    with pytest.raises(Hl7Rejected) as caught:
        parse_message(adt("A04", charset="8859/1").encode())
    assert caught.value.errors[0].position == "MSH-18"
    assert caught.value.control_id == "ADT0001"


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(Hl7Rejected) as caught:
        parse_message(
            adt("A04", charset="")
            .encode("cp1258", errors="replace")
            .replace(b"Nguy", b"Nguy\xe9\xff")
        )
    assert caught.value.control_id == "ADT0001"


def test_same_message_gives_the_same_bundle() -> None:
    assert _map(ORU_R01).bundle == _map(ORU_R01).bundle
