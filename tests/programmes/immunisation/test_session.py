"""A dose recorded at a session: the request checked field by field, and the FHIR
resources made from it valid R4 that name each other."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from hoso.core import clock
from hoso.fhir.validation import validate_resource
from hoso.programmes.immunisation.dataset import DoseContext, dataset_row, missing_mandatory
from hoso.programmes.immunisation.session import (
    Performer,
    SessionError,
    parse_dose,
    session_resources,
)

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=clock.VN_TZ)
BORN = date(2026, 10, 1)
NURSE = Performer("Nguyễn Thị Lan", station_code="79001", station_name="Trạm y tế Phường Sài Gòn")


def _request(**changes: Any) -> dict[str, Any]:
    raw = {"product": "102", "lot": "DPT-2611A", "expiry": "2027-03-31",
           "given_at": "2026-12-06T09:00", "site": "LT", "route": "IM", "dose_ml": "0,5",
           "dose_number": 1, "observed_minutes": 30}  # fmt: skip
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not None}


def test_a_dose_with_its_observation_is_valid_fhir_and_complete_for_the_dataset() -> None:
    dose = parse_dose(_request(), born=BORN, now=NOW)
    made = session_resources(dose, "child-1", NURSE)
    assert [r["resourceType"] for _ref, r in made] == ["Immunization", "Observation"]
    for _ref, resource in made:
        assert validate_resource(resource) == [], resource["resourceType"]
    (imm_ref, imm), (_obs_ref, obs) = made
    assert imm["lotNumber"] == "DPT-2611A" and imm["expirationDate"] == "2027-03-31"
    assert imm["occurrenceDateTime"] == "2026-12-06T09:00:00+07:00"
    assert imm["doseQuantity"]["value"] == 0.5
    assert obs["partOf"] == [{"reference": imm_ref}] and imm_ref.startswith("urn:uuid:")
    assert obs["effectivePeriod"]["end"] == "2026-12-06T09:30:00+07:00"
    patient = {"id": "child-1", "name": [{"text": "Trần Gia Hân"}], "birthDate": "2026-10-01",
               "gender": "female", "identifier": [{
                   "system": "https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd",
                   "value": "079326000001"}]}  # fmt: skip
    imm = {**imm, "id": "imm-1"}  # as stored
    ctx = DoseContext(imm, patient, "26740", [obs], [])
    assert missing_mandatory(imm, ctx) == []
    row = dataset_row(ctx)
    assert (row["ngay_tiem"], row["phan_ung"], row["ma_co_so"]) == ("06/12/2026", "Không", "79001")
    assert row["loai_hinh"] == "TCMR" and row["duong_tiem"].startswith("Tiêm bắp")


def test_the_programme_kind_from_the_series_when_no_funding_source() -> None:
    dose = {"resourceType": "Immunization", "status": "completed",
            "protocolApplied": [{"series": "TCMR", "doseNumberPositiveInt": 1}]}  # fmt: skip
    assert dataset_row(DoseContext(dose))["loai_hinh"] == "TCMR"
    assert dataset_row(DoseContext({**dose, "protocolApplied": []}))["loai_hinh"] == ""


def test_without_the_observation_the_dose_lacks_the_reaction_field() -> None:
    dose = parse_dose(_request(observed_minutes=None), born=BORN, now=NOW)
    made = session_resources(dose, "child-1", NURSE)
    assert [r["resourceType"] for _ref, r in made] == ["Immunization"]
    imm = {**made[0][1], "id": "imm-1"}
    ctx = DoseContext(imm, {"id": "child-1"}, None)
    assert "phan_ung" in missing_mandatory(imm, ctx)
    assert "ma_xa" in missing_mandatory(imm, ctx)


def test_a_severe_aefi_becomes_an_adverse_event_suspecting_the_dose() -> None:
    aefi = {"event": "Sốc phản vệ", "seriousness": "serious", "severity": "severe",
            "onset": "2026-12-06T09:12"}  # fmt: skip
    dose = parse_dose(_request(reaction_seen=True, aefi=aefi), born=BORN, now=NOW)
    (imm_ref, imm), (obs_ref, obs), (_ae_ref, event) = session_resources(dose, "child-1", NURSE)
    for resource in (imm, obs, event):
        assert validate_resource(resource) == [], resource["resourceType"]
    assert event["suspectEntity"] == [{"instance": {"reference": imm_ref}}]
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    assert imm["reaction"][0]["detail"] == {"reference": obs_ref}
    row = dataset_row(DoseContext(imm, {}, None, [obs], [event]))
    assert (row["phan_ung"], row["muc_do_phan_ung"]) == ("Có", "Nặng")


def test_an_expired_lot_is_refused_at_the_date_of_the_dose() -> None:
    with pytest.raises(SessionError) as refused:
        parse_dose(_request(expiry="2026-12-05"), born=BORN, now=NOW)
    assert "expiry" in str(refused.value) and "hết hạn" in str(refused.value)
    # the same lot was good for a dose given on its last day
    parse_dose(_request(expiry="2026-12-05", given_at="2026-12-05T16:00"), born=BORN, now=NOW)


@pytest.mark.parametrize(("changes", "field"), [
    ({"product": "999"}, "product"),
    ({"product": None}, "product"),
    ({"lot": "lô 1; DROP"}, "lot"),
    ({"lot": "A" * 41}, "lot"),
    ({"expiry": "31/03/2027"}, "expiry"),
    ({"given_at": "2026-12-07T09:00"}, "given_at"),  # tomorrow
    ({"given_at": "2026-09-01T09:00"}, "given_at"),  # before birth
    ({"given_at": "not a date"}, "given_at"),
    ({"site": "XX"}, "site"),
    ({"route": "IV"}, "route"),
    ({"dose_ml": "nan"}, "dose_ml"),
    ({"dose_ml": "5"}, "dose_ml"),
    ({"observed_minutes": "-1"}, "observed_minutes"),
    ({"reaction_seen": "maybe"}, "reaction_seen"),
    ({"aefi": {"event": "Sốt", "seriousness": "grave", "severity": "mild"}}, "seriousness"),
    ({"aefi": {"event": "Sốt", "seriousness": "serious", "severity": "mild",
               "onset": "2026-12-06T08:00"}}, "aefi.onset"),
    ({"aefi": "yes"}, "aefi"),
])  # fmt: skip
def test_malformed_input_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(SessionError) as refused:
        parse_dose(_request(**changes), born=BORN, now=NOW)
    assert str(refused.value).startswith(f"{field}:")
    assert refused.value.http_status == 400


def test_not_an_object() -> None:
    with pytest.raises(SessionError):
        parse_dose(["product"], born=BORN, now=NOW)
