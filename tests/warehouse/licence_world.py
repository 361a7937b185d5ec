"""A small licence registry and hand-made claims and records with planted problems,
shared by the licence tests (store, API, CLI, browser).

Today is 07/12/2026 in these tests. The register (as the Sở Y tế would publish it):
- 000101/HCM-GPHN An, doctor, general medicine: valid;
- 000102/HCM-GPHN Bình, dentist (rang-ham-mat): valid, but not for obstetrics;
- 000103/HCM-GPHN Dũng, doctor: expired 30/06/2026;
- 000104/HCM-GPHN Em, nurse: valid, may not prescribe;
- 000105/HCM-GPHN Phúc, doctor: revoked from 01/10/2026;
- 000106/HCM-GPHN Giang: withheld from the public register (`an`);
- 000107/HCM-GPHN Hải, doctor: expires 31/01/2027 (within 90 days);
- 004567/HCM-CCHN Cường, internal medicine, an old CCHN without expiry.

The records (`plant_records`), each naming one practitioner:
- MedicationRequest mr-ok by An on 01/11/2026: no finding;
- MedicationRequest mr-nurse by Em on 02/11/2026: out of scope;
- MedicationRequest mr-unknown by 999999/HCM-GPHN on 03/11/2026: no certificate;
- Procedure pr-expired by Dũng on 01/11/2026: expired;
- Encounter enc-obstetrics (obstetrics) examined by Bình (literal reference) on
  04/11/2026: out of scope;
- Encounter enc-revoked by Phúc on 15/10/2026: revoked;
- Encounter enc-cchn (internal medicine) by Cường on 05/11/2026: no finding;
- Composition paper-expired (a sick-leave paper, XML 130's XML11) signed by Dũng on
  06/11/2026: expired; its head of facility (a BHXH number) is not a certificate.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from hoso.access.repository import AccessRepository
from hoso.warehouse.licences.model import NUMBER_SYSTEM, SCOPE_CS
from tests.builders.patient import patient

TODAY = date(2026, 12, 7)
SOURCE = "Sở Y tế TP.HCM, công khai 01/12/2026"
FACILITY = "79001"
HEADER = ("so_giay_phep,loai,ho_ten,chuc_danh,pham_vi,ngay_cap,ngay_het_han,noi_cap,"
          "trang_thai,ngay_trang_thai")  # fmt: skip
CERTIFICATES = "\n".join([
    HEADER,
    "000101/HCM-GPHN,GPHN,Nguyễn Văn An,bac-si,y-khoa,01/03/2024,,Sở Y tế TP.HCM,,",
    "000102/HCM-GPHN,GPHN,Trần Thị Bình,bac-si,rang-ham-mat,15/01/2024,,Sở Y tế TP.HCM,,",
    "000103/HCM-GPHN,GPHN,Phạm Văn Dũng,bac-si,y-khoa,01/02/2024,30/06/2026,Sở Y tế TP.HCM,,",
    "000104/HCM-GPHN,GPHN,Hoàng Thị Em,dieu-duong,,01/04/2024,,Sở Y tế TP.HCM,,",
    "000105/HCM-GPHN,GPHN,Võ Văn Phúc,bac-si,y-khoa,01/05/2024,,Sở Y tế TP.HCM,thu-hoi,01/10/2026",
    "000106/HCM-GPHN,GPHN,Đặng Văn Giang,bac-si,y-khoa,01/05/2024,,Sở Y tế TP.HCM,an,",
    "000107/HCM-GPHN,GPHN,Bùi Văn Hải,bac-si,y-khoa,01/02/2024,31/01/2027,Bộ Y tế,,",
    "004567/HCM-CCHN,CCHN,Lê Văn Cường,bac-si,noi-khoa,01/06/2015,,Sở Y tế TP.HCM,,",
]) + "\n"  # fmt: skip
FACILITIES = "\n".join([
    "so_giay_phep,ten_co_so,ma_co_so,hinh_thuc,pham_vi,dia_chi,so_giuong,ngay_cap,"
    "ngay_het_han,noi_cap,trang_thai",
    "01234/HCM-GPHD,Phòng khám Đa khoa Bến Thành,79001,phong-kham-da-khoa,Nội; Nhi; Sản,"
    "12 Lê Lợi Phường Sài Gòn,,01/03/2020,,Sở Y tế TP.HCM,",
    "05678/BYT-GPHD,Bệnh viện Quận Một,79002,benh-vien,Đa khoa,1 Nguyễn Huệ,250,"
    "01/01/2019,15/01/2027,Bộ Y tế,",
]) + "\n"  # fmt: skip


def doctor_ref(number: str, facility: str = FACILITY) -> dict[str, Any]:
    """A practitioner as an XML 130 claim names them: MA_BAC_SI, their certificate number."""
    return {"identifier": {"system": f"urn:hoso:test/{facility}/bac-si", "value": number},
            "display": number}  # fmt: skip


def practitioner_id(repo: AccessRepository, number: str) -> str:
    page = repo.search("Practitioner", [("identifier", f"{NUMBER_SYSTEM}|{number}")])
    return page.matches[0].id


def _scope(code: str) -> dict[str, Any]:
    return {"coding": [{"system": SCOPE_CS, "code": code}]}


def plant_records(repo: AccessRepository) -> dict[str, str]:
    """The hand-made records above; their ids by name."""
    pid = repo.create(patient()).stored.id
    subject = {"reference": f"Patient/{pid}"}
    ids: dict[str, str] = {}

    def put(name: str, resource: dict[str, Any]) -> None:
        ids[name] = repo.create({**resource, "subject": subject}).stored.id

    def request(number: str, day: str) -> dict[str, Any]:
        return {"resourceType": "MedicationRequest", "status": "completed", "intent": "order",
                "medicationCodeableConcept": {"text": "Paracetamol 500mg"},
                "authoredOn": day, "requester": doctor_ref(number)}  # fmt: skip

    def encounter(who: dict[str, Any], day: str, specialty: str | None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "AMB"},
            "period": {"start": day, "end": day},
            "serviceProvider": {"identifier": {"value": FACILITY}, "display": "PK Bến Thành"},
            "participant": [{"type": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "code": "PPRF"}]}], "individual": who}],
        }  # fmt: skip
        if specialty:
            found["serviceType"] = _scope(specialty)
        return found

    put("mr-ok", request("000101/HCM-GPHN", "2026-11-01"))
    put("mr-nurse", request("000104/HCM-GPHN", "2026-11-02"))
    put("mr-unknown", request("999999/HCM-GPHN", "2026-11-03"))
    put("pr-expired", {"resourceType": "Procedure", "status": "completed",
                       "code": {"text": "Khâu vết thương"}, "performedDateTime": "2026-11-01",
                       "performer": [{"actor": doctor_ref("000103/HCM-GPHN")}]})  # fmt: skip
    dentist = {"reference": f"Practitioner/{practitioner_id(repo, '000102/HCM-GPHN')}"}
    put("enc-obstetrics", encounter(dentist, "2026-11-04", "san-phu-khoa"))
    put("enc-revoked", encounter(doctor_ref("000105/HCM-GPHN"), "2026-10-15", None))
    put("enc-cchn", encounter(doctor_ref("004567/HCM-CCHN"), "2026-11-05", "noi-khoa"))
    put("paper-expired", {
        "resourceType": "Composition", "status": "final", "date": "2026-11-06",
        "type": {"text": "Giấy chứng nhận nghỉ việc hưởng BHXH"}, "title": "Nghỉ việc",
        "author": [{"display": "PK Bến Thành"}],
        "attester": [{"mode": "legal", "party": {"identifier": {
                         "system": "https://bhxh.example/ma-so", "value": "7912345678"}}},
                     {"mode": "professional", "party": doctor_ref("000103/HCM-GPHN")}],
    })  # fmt: skip
    return ids


def versions(repo: AccessRepository, resource_type: str) -> dict[str, int]:
    """Each current resource of a type: its version (to prove a re-import wrote nothing)."""
    page = repo.search(resource_type, [("_count", "200")])
    return {hit.id: orjson.loads(hit.content)["meta"]["versionId"] for hit in page.matches}
