"""The licence check over claims as hospitals send them: an XML 130 file taken through
the real intake (`hoso.ingest.xml130_intake.take_xml130`), whose `MA_BAC_SI` is the
prescriber's and performer's certificate number, then checked; on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date

from hoso.access.repository import AccessRepository
from hoso.access.warehouse_licences import LicenceAccess
from hoso.core.settings import Settings
from hoso.ingest.xml130_intake import take_xml130
from hoso.warehouse.licences.checks import findings
from hoso.warehouse.licences.registry import import_file
from tests.ingest.xml130.files import clean, every_table, giamdinhhs, hoso, outpatient
from tests.warehouse.licence_world import SOURCE

BASE = "https://hoso.example/fhir"
REGISTER = ("so_giay_phep,loai,ho_ten,chuc_danh,ngay_cap,ngay_het_han,noi_cap\n"
            "BS001,GPHN,Lý Thị Nga,dieu-duong,01/04/2024,,Sở Y tế TP.HCM\n")  # fmt: skip


def _take(repo: AccessRepository, settings: Settings, tables: dict) -> None:
    repo.create({"resourceType": "Organization", "active": True, "name": "Trạm y tế",
                 "identifier": [{"system": settings.facility_system, "value": "79001"}]})
    answer = take_xml130(repo, giamdinhhs(hoso(clean(tables))), settings=settings,
                         base_url=BASE, facility="79001")  # fmt: skip
    assert all(r.written for r in answer.records), answer


def test_a_nurse_named_as_prescriber_in_a_claim_is_out_of_scope(
        repo: AccessRepository, settings: Settings) -> None:  # fmt: skip
    assert import_file(LicenceAccess(repo), REGISTER.encode(), "certificates", SOURCE,
                       date(2026, 12, 1)).ok  # fmt: skip
    _take(repo, settings, outpatient())  # BS001 ordered 3 drugs and performed the services
    found = findings(LicenceAccess(repo))
    kinds = sorted((f.mention.resource_type, f.reason) for f in found)
    assert kinds == [("MedicationRequest", "out-of-scope")] * 3  # a nurse may perform
    assert {f.mention.number for f in found} == {"BS001"}
    assert {f.mention.facility for f in found} == {"79001"}  # from MA_BAC_SI's system
    assert {f.mention.day for f in found} == {date(2025, 3, 10)}  # NGAY_YL
    assert all(f.holder == "Lý Thị Nga" for f in found)


def test_a_doctor_without_a_certificate_is_found_everywhere_they_sign(
        repo: AccessRepository, settings: Settings) -> None:  # fmt: skip
    _take(repo, settings, every_table())  # no register at all: BS001 holds nothing
    found = findings(LicenceAccess(repo))
    assert {f.reason for f in found} == {"no-certificate"}
    kinds = {f.mention.resource_type for f in found}
    assert {"MedicationRequest", "Procedure", "Composition"} <= kinds
    assert {f.mention.number for f in found} == {"BS001"}  # MA_TTDV, a BHXH number: left out
