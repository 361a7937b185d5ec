"""Validity on a day, the expiry alerts, who a record names and the findings about them
(pure: no store)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hoso.warehouse.licences.checks import Mention, covers, judge, mentions
from hoso.warehouse.licences.model import NUMBER_SYSTEM, SCOPE_CS, Certificate, FacilityLicence
from hoso.warehouse.licences.validity import (
    CCHN_CONVERSION_DEADLINE,
    alerts,
    standing,
)

GPHN = Certificate("000101/HCM-GPHN", "GPHN", "bac-si", ("y-khoa",), date(2024, 3, 1),
                   date(2029, 2, 28), "Sở Y tế TP.HCM", holder="An",
                   practitioner_id="p1")  # fmt: skip
CCHN = Certificate("004567/HCM-CCHN", "CCHN", "bac-si", ("noi-khoa",), date(2015, 6, 1), None,
                   "Sở Y tế TP.HCM", holder="Cường", practitioner_id="p2")  # fmt: skip
NURSE = Certificate("000104/HCM-GPHN", "GPHN", "dieu-duong", ("dieu-duong",), date(2024, 4, 1),
                    date(2029, 3, 31), "Sở Y tế TP.HCM", holder="Em")  # fmt: skip


def test_a_gphn_is_valid_from_issue_to_expiry() -> None:
    assert not standing(GPHN, date(2024, 2, 29)).valid
    assert standing(GPHN, date(2024, 3, 1)).valid
    assert standing(GPHN, date(2029, 2, 28)).valid
    late = standing(GPHN, date(2029, 3, 1))
    assert (late.valid, late.reason) == (False, "het-han")


def test_an_old_cchn_lasts_until_the_conversion_deadline() -> None:
    assert standing(CCHN, date(2026, 12, 7)).valid
    after = standing(CCHN, CCHN_CONVERSION_DEADLINE)
    assert (after.valid, after.reason) == (False, "chua-chuyen-doi")


def test_revocation_counts_from_its_date() -> None:
    revoked = replace(GPHN, status="thu-hoi", status_date=date(2026, 10, 1))
    assert standing(revoked, date(2026, 9, 30)).valid
    assert standing(revoked, date(2026, 10, 1)).reason == "thu-hoi"
    undated = replace(GPHN, status="dinh-chi")
    assert not standing(undated, date(2024, 3, 2)).valid


def test_alerts_cover_expired_expiring_and_conversions_but_not_withdrawn() -> None:
    today = date(2026, 12, 7)
    soon = replace(GPHN, number="S", expires=date(2027, 1, 31))
    past = replace(GPHN, number="P", expires=date(2026, 6, 30))
    gone = replace(past, number="G", status="thu-hoi")
    facility = FacilityLicence("F", "BV", "benh-vien", "", "", None, date(2019, 1, 1),
                               date(2027, 1, 15), "Bộ Y tế")  # fmt: skip
    found = alerts([GPHN, CCHN, soon, past, gone, facility], today, 90)
    assert [(a.number, a.kind, a.days_left) for a in found] == [
        ("P", "expired", -160), ("F", "expiring", 39), ("S", "expiring", 55)]
    wide = alerts([CCHN], today, 800)
    assert [(a.kind, a.until) for a in wide] == [("conversion-due", date(2028, 12, 31))]


def test_the_scopes_cover_activities_and_specialties() -> None:
    assert covers(GPHN, "prescribe", "")
    assert covers(GPHN, "examine", "nhi-khoa")  # general medicine covers a clinical specialty
    assert not covers(GPHN, "examine", "rang-ham-mat")
    assert not covers(NURSE, "prescribe", "")
    assert covers(NURSE, "perform", "san-phu-khoa")  # the specialty binds doctors' work only
    assert covers(CCHN, "examine", "noi-khoa") and not covers(CCHN, "examine", "nhi-khoa")


def _mention(**kw: object) -> Mention:
    return Mention(**{"resource_type": "MedicationRequest", "resource_id": "r1",
                      "activity": "prescribe", "day": date(2026, 11, 1), **kw})  # type: ignore[arg-type]


def test_judging_a_mention() -> None:
    assert judge(_mention(number="X"), []).reason == "no-certificate"  # type: ignore[union-attr]
    assert judge(_mention(number=GPHN.number), [GPHN]) is None
    out = judge(_mention(number=NURSE.number), [NURSE])
    assert out is not None and out.reason == "out-of-scope" and "Điều dưỡng" in out.detail
    late = judge(_mention(number=CCHN.number, day=date(2029, 2, 1)), [CCHN])
    assert late is not None and late.reason == "expired" and "CCHN" in late.detail
    # a CCHN converted to a GPHN: the GPHN counts for the same holder
    converted = judge(_mention(number=CCHN.number, day=date(2029, 2, 1)), [CCHN, GPHN])
    assert converted is None


def test_who_a_record_names() -> None:
    request = {"resourceType": "MedicationRequest", "id": "m1", "authoredOn": "2026-11-02T08:00:00",
               "encounter": {"reference": "Encounter/e1"},
               "requester": {"identifier": {"system": "urn:x/79001/bac-si",
                                            "value": " 000104/hcm-gphn"}}}  # fmt: skip
    (m,) = mentions(request, {})
    assert (m.number, m.facility, m.day) == ("000104/HCM-GPHN", "79001", date(2026, 11, 2))
    assert m.activity == "prescribe"
    encounter = {
        "resourceType": "Encounter", "id": "e2", "period": {"start": "2026-11-04"},
        "serviceType": {"coding": [{"system": SCOPE_CS, "code": "san-phu-khoa"}]},
        "serviceProvider": {"identifier": {"value": "79002"}},
        "participant": [
            {"individual": {"reference": "Practitioner/p9"}},
            {"type": [{"coding": [{"code": "PART"}]}],
             "individual": {"identifier": {"system": NUMBER_SYSTEM, "value": "000104/HCM-GPHN"}}},
            {"individual": {"display": "no one we can find"}},
            {"individual": {"identifier": {"system": "urn:bhxh", "value": "79012345"}}},
        ],
    }  # fmt: skip
    first, second = mentions(encounter, {})
    assert (first.practitioner_id, first.activity, first.specialty, first.facility) == (
        "p9", "examine", "san-phu-khoa", "79002")
    assert (second.number, second.activity) == ("000104/HCM-GPHN", "assist")
    assert list(mentions({"resourceType": "Procedure", "id": "x"}, {})) == []  # no day
    paper = {"resourceType": "Composition", "id": "c1", "date": "2026-11-05",
             "encounter": {"reference": "Encounter/e2"},
             "attester": [{"mode": "legal", "party": {"identifier": {
                              "system": "urn:bhxh", "value": "HEAD"}}},
                          {"mode": "professional", "party": {"identifier": {
                              "system": "urn:x/79002/bac-si", "value": "000101/HCM-GPHN"}}}]}
    (signer,) = mentions(paper, {"Encounter/e2": "79002"})
    assert (signer.number, signer.activity, signer.facility) == ("000101/HCM-GPHN", "examine",
                                                                 "79002")  # fmt: skip
