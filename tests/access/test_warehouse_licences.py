"""The licence registry through the access layer, on SQLite and PostgreSQL: a register
imported as Practitioner qualifications and Organization licences with their
VerificationResults, in one transaction per file, idempotent on numbers, nothing
written from a file with a bad row; the expiry alerts; the public verification; the
check of planted expired, revoked, unknown and out-of-scope practitioners."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from hoso.access import claims as roles
from hoso.access.repository import AccessRepository
from hoso.access.warehouse_licences import LicenceAccess, public_registry
from hoso.core.errors import Forbidden, InvalidRequest
from hoso.store.sql_store import SqlStore
from hoso.warehouse.licences import model as m
from hoso.warehouse.licences import registry
from hoso.warehouse.licences.checks import findings
from tests.callers import as_caller, audit_subtypes, staff
from tests.warehouse.licence_world import (
    CERTIFICATES,
    FACILITIES,
    SOURCE,
    TODAY,
    plant_records,
    versions,
)

STATED = date(2026, 12, 1)


def _import(repo: AccessRepository, text: str, kind: str = "certificates",
            source: str = SOURCE) -> dict:  # fmt: skip
    report = registry.import_file(LicenceAccess(repo), text.encode(), kind, source, STATED)
    assert report.ok, report.problems
    return report.to_json()


def _read(repo: AccessRepository, resource_type: str, id: str) -> dict:
    return orjson.loads(repo.read(resource_type, id).content)


def test_a_certificate_becomes_a_qualification_with_its_verification(
        repo: AccessRepository) -> None:  # fmt: skip
    report = _import(repo, CERTIFICATES)
    assert (report["rows"], report["created"], report["updated"]) == (8, 8, 0)
    page = repo.search("Practitioner", [("identifier", f"{m.NUMBER_SYSTEM}|000101/HCM-GPHN")])
    assert len(page.matches) == 1
    doctor = orjson.loads(page.matches[0].content)
    (q,) = doctor["qualification"]
    assert q["period"] == {"start": "2024-03-01", "end": "2029-02-28"}  # issue + 5 years
    assert [c["code"] for c in q["code"]["coding"]] == ["GPHN", "bac-si"]
    issuer = _read(repo, "Organization", q["issuer"]["reference"].split("/")[1])
    assert issuer["name"] == "Sở Y tế TP.HCM"
    scopes = [e for e in q["extension"] if e["url"] == m.SCOPE_EXT]
    assert scopes[0]["valueCodeableConcept"]["coding"][0]["code"] == "y-khoa"
    vr_id = registry.verification_id("000101/HCM-GPHN")
    vr = _read(repo, "VerificationResult", vr_id)
    assert vr["target"] == [{"reference": f"Practitioner/{doctor['id']}"}]
    assert "000101/HCM-GPHN" in vr["targetLocation"][0]
    assert vr["status"] == "validated"
    assert vr["primarySource"][0]["who"]["display"] == SOURCE
    assert vr["primarySource"][0]["validationDate"] == "2026-12-01"
    assert vr["validator"][0]["organization"]["display"].startswith("Hồ Sơ")
    revoked = _read(repo, "VerificationResult", registry.verification_id("000105/HCM-GPHN"))
    assert revoked["status"] == "val-fail"
    # one issuer Organization per authority, however many rows name it
    issuers = repo.search("Organization", [("identifier", m.ISSUER_SYSTEM + "|")])
    assert sorted(orjson.loads(h.content)["name"] for h in issuers.matches) == [
        "Bộ Y tế", "Sở Y tế TP.HCM"]  # fmt: skip


def test_reimporting_the_same_register_writes_nothing(repo: AccessRepository) -> None:
    _import(repo, CERTIFICATES)
    before = {t: versions(repo, t) for t in ("Practitioner", "VerificationResult",
                                             "Organization")}  # fmt: skip
    report = _import(repo, CERTIFICATES)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 8)
    after = {t: versions(repo, t) for t in before}
    assert after == before


def test_a_changed_row_updates_in_place_and_a_second_certificate_joins_its_holder(
        repo: AccessRepository) -> None:  # fmt: skip
    _import(repo, CERTIFICATES)
    changed = CERTIFICATES.replace("000104/HCM-GPHN,GPHN,Hoàng Thị Em,dieu-duong,,",
                                   "000104/HCM-GPHN,GPHN,Hoàng Thị Em,dieu-duong,ho-sinh,")
    report = _import(repo, changed)
    assert (report["updated"], report["unchanged"]) == (1, 7)
    nurse = _read(repo, "Practitioner", _pid(repo, "000104/HCM-GPHN"))
    assert len(nurse["qualification"]) == 1
    assert nurse["meta"]["versionId"] == "2"
    assert len(repo.search("Practitioner", [("_count", "50")]).matches) == 8


def _pid(repo: AccessRepository, number: str) -> str:
    return repo.search("Practitioner", [("identifier", f"{m.NUMBER_SYSTEM}|{number}")]
                       ).matches[0].id  # fmt: skip


def test_a_file_with_bad_rows_writes_nothing_and_names_each_line(repo: AccessRepository) -> None:
    bad = CERTIFICATES + "\n".join([
        "000201/HCM-GPHN,GPHN,Ai Đó,bac-si,y-khoa,31/02/2024,,Sở Y tế TP.HCM,,",
        "000202/HCM-GPHN,GPHX,Ai Khác,bac-si,y-khoa,01/02/2024,,Sở Y tế TP.HCM,,",
        "000101/HCM-GPHN,GPHN,Trùng Số,bac-si,y-khoa,01/02/2024,,Sở Y tế TP.HCM,,",
        "000203/HCM-GPHN,GPHN,Ba,phu-thuy,y-khoa,01/02/2024,,Sở Y tế TP.HCM,,",
    ]) + "\n"  # fmt: skip
    report = registry.import_file(LicenceAccess(repo), bad.encode(), "certificates", SOURCE,
                                  STATED)  # fmt: skip
    assert [(p.line, p.column) for p in report.problems] == [
        (10, "ngay_cap"), (11, "loai"), (12, "so_giay_phep"), (13, "chuc_danh")]
    assert repo.search("Practitioner", []).matches == []
    assert repo.search("VerificationResult", []).matches == []
    assert repo.search("Organization", []).matches == []


def test_a_failure_mid_file_rolls_the_whole_file_back(repo: AccessRepository,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = registry._Writer.certificate
    calls = []

    def failing(self, cert):  # type: ignore[no-untyped-def]
        calls.append(cert.number)
        if len(calls) == 5:
            raise RuntimeError("the database went away")
        return real(self, cert)

    monkeypatch.setattr(registry._Writer, "certificate", failing)
    with pytest.raises(RuntimeError):
        registry.import_file(LicenceAccess(repo), CERTIFICATES.encode(), "certificates", SOURCE,
                             STATED)  # fmt: skip
    assert len(calls) == 5
    assert repo.search("Practitioner", []).matches == []
    assert repo.search("VerificationResult", []).matches == []


def test_facilities_get_the_licence_on_their_own_organization(repo: AccessRepository) -> None:
    existing = repo.create({"resourceType": "Organization", "name": "PK Bến Thành (HIS)",
                            "identifier": [{"system": repo.settings.facility_system,
                                            "value": "79001"}]}).stored.id  # fmt: skip
    report = _import(repo, FACILITIES, "facilities")
    assert (report["created"], report["updated"]) == (1, 1)
    org = _read(repo, "Organization", existing)
    assert org["name"] == "PK Bến Thành (HIS)"  # the facility's own record is kept
    lic = m.facility_licence_of(org)
    assert lic is not None and lic.number == "01234/HCM-GPHD"
    assert (lic.kind, lic.scope, lic.issued) == ("phong-kham-da-khoa", "Nội; Nhi; Sản",
                                                 date(2020, 3, 1))  # fmt: skip
    hospital = repo.search("Organization", [("identifier", f"{m.GPHD_SYSTEM}|05678/BYT-GPHD")])
    h = m.facility_licence_of(orjson.loads(hospital.matches[0].content))
    assert h is not None and (h.beds, h.address, h.expires) == (250, "1 Nguyễn Huệ",
                                                                date(2027, 1, 15))  # fmt: skip
    again = _import(repo, FACILITIES, "facilities")
    assert again["unchanged"] == 2


def test_expiring_lists_expired_expiring_and_due_conversions(repo: AccessRepository) -> None:
    _import(repo, CERTIFICATES)
    _import(repo, FACILITIES, "facilities")
    found = {(a.number, a.kind) for a in registry.expiring(LicenceAccess(repo), 90, TODAY)}
    assert found == {("000103/HCM-GPHN", "expired"), ("000107/HCM-GPHN", "expiring"),
                     ("05678/BYT-GPHD", "expiring")}  # fmt: skip
    later = {(a.number, a.kind) for a in registry.expiring(LicenceAccess(repo), 800, TODAY)}
    assert ("004567/HCM-CCHN", "conversion-due") in later  # deadline 01/01/2029
    assert not any(n in {"000105/HCM-GPHN", "000106/HCM-GPHN"} for n, _ in later)


def test_lists_and_imports_are_for_their_roles_only(store: SqlStore, repo: AccessRepository
                                                    ) -> None:  # fmt: skip
    _import(repo, CERTIFICATES)
    with as_caller(store, staff(roles.OFFICER)) as officer:
        assert len(registry.expiring(LicenceAccess(officer), 90, TODAY)) == 2
        with pytest.raises(Forbidden):
            registry.import_file(LicenceAccess(officer), CERTIFICATES.encode(), "certificates",
                                 SOURCE, STATED)  # fmt: skip
    with as_caller(store, staff(roles.CLINICIAN, facility="79001")) as clinician:
        with pytest.raises(Forbidden):
            registry.expiring(LicenceAccess(clinician), 90, TODAY)
        with pytest.raises(Forbidden):
            findings(LicenceAccess(clinician))
    assert "licence-registry" in audit_subtypes(store)


def test_verify_answers_valid_withdrawn_and_unknown_alike(store: SqlStore,
                                                          repo: AccessRepository) -> None:
    _import(repo, CERTIFICATES)
    _import(repo, FACILITIES, "facilities")
    def verify(number: str, today: date) -> dict:
        return registry.verify(lambda q: public_registry(store, q), number, today)

    ok = verify(" 000101/hcm-gphn ", TODAY)
    assert ok["found"] and ok["valid"] and ok["holder"] == "Nguyễn Văn An"
    assert ok["scopes"] == ["Bác sĩ y khoa (đa khoa)"] and ok["expires"] == "2029-02-28"
    revoked = verify("000105/HCM-GPHN", TODAY)
    assert revoked["found"] and not revoked["valid"] and revoked["status"] == "thu-hoi"
    hidden, unknown = verify("000106/HCM-GPHN", TODAY), verify("000999/X", TODAY)
    assert {k: v for k, v in hidden.items() if k != "number"} == {
        k: v for k, v in unknown.items() if k != "number"}  # fmt: skip
    assert set(hidden) == set(ok) and hidden["found"] is False
    facility = verify("01234/HCM-GPHD", TODAY)
    assert facility["valid"] and facility["kind"] == "GPHD"
    for bad in ("", "x" * 5000, "000101'; DROP TABLE", "<script>"):
        with pytest.raises(InvalidRequest):
            verify(bad, TODAY)


def test_the_check_finds_the_planted_practitioners(store: SqlStore, repo: AccessRepository
                                                   ) -> None:  # fmt: skip
    _import(repo, CERTIFICATES)
    ids = plant_records(repo)
    found = {(f.mention.resource_id, f.reason) for f in findings(LicenceAccess(repo))}
    assert found == {
        (ids["mr-nurse"], "out-of-scope"), (ids["mr-unknown"], "no-certificate"),
        (ids["pr-expired"], "expired"), (ids["enc-obstetrics"], "out-of-scope"),
        (ids["enc-revoked"], "revoked"), (ids["paper-expired"], "expired"),
    }  # fmt: skip
    since = {f.mention.resource_id for f in findings(LicenceAccess(repo), date(2026, 11, 2))}
    assert since == {ids["mr-nurse"], ids["mr-unknown"], ids["enc-obstetrics"],
                     ids["paper-expired"]}  # fmt: skip
    assert audit_subtypes(store).count("licence-check") == 2


def test_an_officer_gets_the_findings_under_pseudonyms(store: SqlStore, repo: AccessRepository
                                                       ) -> None:  # fmt: skip
    _import(repo, CERTIFICATES)
    ids = plant_records(repo)
    with as_caller(store, staff(roles.OFFICER)) as officer:
        found = findings(LicenceAccess(officer))
    assert len(found) == 6
    shown = {f.mention.resource_id for f in found}
    assert not shown & set(ids.values())
    assert all(i.startswith("anon-") for i in shown)
    numbers = {f.mention.number for f in found}
    assert "000104/HCM-GPHN" in numbers  # certificate numbers are public


def test_a_concurrent_import_of_the_same_number_merges_into_one_holder(
        repo: AccessRepository, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Another import created the holder after this one looked (its search missed it):
    the conditional create finds it, and the row is merged into it, not duplicated."""
    _import(repo, CERTIFICATES)
    from hoso.access.warehouse_licences import RecordWriter

    real = RecordWriter.find_all

    def blind(self, resource_type, params):  # type: ignore[no-untyped-def]
        return [] if resource_type == "Practitioner" else real(self, resource_type, params)

    monkeypatch.setattr(RecordWriter, "find_all", blind)
    changed = CERTIFICATES.replace("000104/HCM-GPHN,GPHN,Hoàng Thị Em,dieu-duong,,",
                                   "000104/HCM-GPHN,GPHN,Hoàng Thị Em,dieu-duong,ho-sinh,")
    report = _import(repo, changed)
    assert report["updated"] == 1 and len(repo.search("Practitioner", [("_count", "50")]
                                                      ).matches) == 8  # fmt: skip
    nurse = _read(repo, "Practitioner", _pid(repo, "000104/HCM-GPHN"))
    scopes = [e["valueCodeableConcept"]["coding"][0]["code"]
              for e in nurse["qualification"][0]["extension"] if e["url"] == m.SCOPE_EXT]
    assert scopes == ["ho-sinh"]
