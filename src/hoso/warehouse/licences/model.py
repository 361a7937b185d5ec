"""Practising certificates and operating licences as FHIR R4 (issue 20 point 5;
docs/warehouse-licences.md).

- A practitioner's certificate is one `Practitioner.qualification`: identifier the
  number, code the kind (CCHN, GPHN, CCHND) and the professional title (Law 15/2023
  Art. 26), period the issue date and, for a GPHN, the expiry (issue + 5 years), issuer
  the authority's Organization, and two extensions: the scopes of practice (one coded
  `pham-vi-hanh-nghe` each) and the licence's status (`trang-thai-giay-phep`, with its
  date). The number is also one of the Practitioner's identifiers, so a claim's
  `MA_BAC_SI` (a logical reference by that number, `hoso.ingest.xml130`) finds it by a
  token search, and a re-import finds it again (idempotent on numbers).
- A facility's operating licence (GPHĐ): R4 `Organization` has no `qualification`, so
  the licence is a complex extension `giay-phep-hoat-dong` on the facility's
  Organization (number, issue date, expiry if any, kind of facility, scope, beds,
  issuer, status) and its number an identifier; the address is the Organization's own.
- Each licence has a `VerificationResult`: target the holder, targetLocation the
  FHIRPath of the qualification or extension, the import's source and date as
  `primarySource` (who: the publishing authority as stated on import) and Hồ Sơ as
  `validator`.

This module builds and reads those shapes and nothing else: no store, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "CCHN", "CCHND", "FACILITY_KINDS", "GPHD_EXT", "GPHN", "KINDS", "NUMBER_SYSTEM",
    "SCOPES", "STATUSES", "TITLES", "Certificate", "FacilityLicence", "add_years",
    "certificate_of", "certificates_of", "facility_licence_of", "licence_extension",
    "normalise_number", "qualification", "verification_result",
]  # fmt: skip

SD = "https://fhir.hoso.hochiminhcity.gov.vn/StructureDefinition/"
CS = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/"
NS = "https://fhir.hoso.hochiminhcity.gov.vn/NamingSystem/"
NUMBER_SYSTEM = NS + "giay-phep-hanh-nghe"  # CCHN, GPHN and CCHND numbers
GPHD_SYSTEM = NS + "giay-phep-hoat-dong"
ISSUER_SYSTEM = NS + "co-quan-cap-phep"
KIND_CS = CS + "loai-giay-phep-hanh-nghe"
TITLE_CS = CS + "chuc-danh-hanh-nghe"
SCOPE_CS = CS + "pham-vi-hanh-nghe"
FACILITY_KIND_CS = CS + "hinh-thuc-to-chuc-kcb"
STATUS_CS = CS + "trang-thai-giay-phep"
SCOPE_EXT = SD + "pham-vi-hanh-nghe"
STATUS_EXT = SD + "trang-thai-giay-phep"
STATUS_DATE_EXT = SD + "ngay-trang-thai-giay-phep"
GPHD_EXT = SD + "giay-phep-hoat-dong"
THO = "http://terminology.hl7.org/CodeSystem/"
VALIDATOR = "Hồ Sơ — kho dữ liệu y tế TP.HCM / Hồ Sơ health data warehouse"

CCHN, GPHN, CCHND = "CCHN", "GPHN", "CCHND"
KINDS = {
    CCHN: "Chứng chỉ hành nghề khám bệnh, chữa bệnh (trước 01/01/2024)",
    GPHN: "Giấy phép hành nghề khám bệnh, chữa bệnh (Luật 15/2023/QH15)",
    CCHND: "Chứng chỉ hành nghề dược (Luật Dược 105/2016/QH13)",
}
GPHN_YEARS = 5  # Law 15/2023: five years (Art. 121 §1: renewed every 5 years; docs)

# The professional titles a GPHN is issued for: Law 15/2023/QH15 Art. 26 §1 (ten titles);
# `duoc-si` for pharmacy certificates (Luật Dược 2016). Codes: HOUSE.
TITLES = {
    "bac-si": "Bác sĩ", "y-si": "Y sĩ", "dieu-duong": "Điều dưỡng", "ho-sinh": "Hộ sinh",
    "ky-thuat-y": "Kỹ thuật y", "dinh-duong-lam-sang": "Dinh dưỡng lâm sàng",
    "cap-cuu-ngoai-vien": "Cấp cứu ngoại viện", "tam-ly-lam-sang": "Tâm lý lâm sàng",
    "luong-y": "Lương y", "bai-thuoc-gia-truyen": "Người có bài thuốc gia truyền",
    "duoc-si": "Dược sĩ",
}  # fmt: skip

# Scopes of practice (phạm vi hành nghề): HOUSE codes and names for the scopes NĐ 96/2023
# and TT 32/2023/TT-BYT set by title and specialty; the circular's own list was not found
# in the sources searched (docs/warehouse-licences.md), so this list is ours.
SCOPES = {
    "y-khoa": "Bác sĩ y khoa (đa khoa)", "y-hoc-co-truyen": "Y học cổ truyền",
    "y-hoc-du-phong": "Y học dự phòng", "rang-ham-mat": "Răng hàm mặt",
    "noi-khoa": "Nội khoa", "ngoai-khoa": "Ngoại khoa", "nhi-khoa": "Nhi khoa",
    "san-phu-khoa": "Sản phụ khoa", "mat": "Mắt", "tai-mui-hong": "Tai mũi họng",
    "da-lieu": "Da liễu", "tam-than": "Tâm thần", "truyen-nhiem": "Truyền nhiễm",
    "ung-buou": "Ung bướu", "gay-me-hoi-suc": "Gây mê hồi sức",
    "chan-doan-hinh-anh": "Chẩn đoán hình ảnh", "xet-nghiem": "Xét nghiệm",
    "y-si-da-khoa": "Y sĩ đa khoa", "dieu-duong": "Điều dưỡng", "ho-sinh": "Hộ sinh",
    "ky-thuat-xet-nghiem": "Kỹ thuật xét nghiệm y học",
    "ky-thuat-hinh-anh": "Kỹ thuật hình ảnh y học",
    "phuc-hoi-chuc-nang": "Phục hồi chức năng", "dinh-duong": "Dinh dưỡng lâm sàng",
    "cap-cuu-ngoai-vien": "Cấp cứu ngoại viện", "tam-ly-lam-sang": "Tâm lý lâm sàng",
    "duoc": "Dược",
}  # fmt: skip

# A licence's status as the authority publishes it; `an`: withheld from the public
# register (entered in error, or withheld by decision): answered as unknown.
ACTIVE, SUSPENDED, REVOKED, HIDDEN = "hieu-luc", "dinh-chi", "thu-hoi", "an"
STATUSES = {ACTIVE: "Còn hiệu lực", SUSPENDED: "Đình chỉ", REVOKED: "Thu hồi",
            HIDDEN: "Không công khai"}  # fmt: skip

# Kinds of facility (hình thức tổ chức, which NĐ 96/2023 sets): HOUSE codes and names.
FACILITY_KINDS = {
    "benh-vien": "Bệnh viện", "phong-kham-da-khoa": "Phòng khám đa khoa",
    "phong-kham-chuyen-khoa": "Phòng khám chuyên khoa", "phong-kham-yhct": "Phòng chẩn trị YHCT",
    "tram-y-te": "Trạm y tế", "phong-kham-bac-si-gia-dinh": "Phòng khám bác sĩ gia đình",
    "nha-ho-sinh": "Nhà hộ sinh", "co-so-chan-doan": "Cơ sở chẩn đoán",
    "co-so-dich-vu-y-te": "Cơ sở dịch vụ y tế", "khac": "Khác",
}  # fmt: skip


def normalise_number(text: str) -> str:
    """A licence number as compared: spaces removed, upper case ("012345/hcm-cchn" and
    "012345/HCM-CCHN " are one number)."""
    return "".join(text.split()).upper()


def add_years(start: date, years: int) -> date:
    """`start` plus whole years; 29/02 becomes 28/02 in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True, slots=True)
class Certificate:
    number: str
    kind: str  # CCHN | GPHN | CCHND
    title: str  # TITLES key
    scopes: tuple[str, ...]  # SCOPES keys
    issued: date
    expires: date | None
    issuer: str  # the authority's name
    status: str = ACTIVE
    status_date: date | None = None
    holder: str = ""  # the holder's name
    practitioner_id: str = ""  # the Practitioner it was read from


@dataclass(frozen=True, slots=True)
class FacilityLicence:
    number: str
    name: str
    kind: str  # FACILITY_KINDS key
    scope: str  # as the licence words it
    address: str
    beds: int | None
    issued: date
    expires: date | None
    issuer: str
    status: str = ACTIVE
    status_date: date | None = None
    facility_code: str = ""  # MA_CSKCB, when the licence names one
    organization_id: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def qualification(cert: Certificate, issuer_ref: str) -> dict[str, Any]:
    """The certificate as one `Practitioner.qualification`."""
    extensions: list[dict[str, Any]] = [
        {"url": SCOPE_EXT, "valueCodeableConcept": {
            "coding": [_coding(SCOPE_CS, s, SCOPES[s])], "text": SCOPES[s]}}
        for s in cert.scopes
    ]  # fmt: skip
    extensions.append({"url": STATUS_EXT, "valueCode": cert.status})
    if cert.status_date:
        extensions.append({"url": STATUS_DATE_EXT, "valueDate": cert.status_date.isoformat()})
    period = {"start": cert.issued.isoformat()}
    if cert.expires:
        period["end"] = cert.expires.isoformat()
    return {
        "extension": extensions,
        "identifier": [{"system": NUMBER_SYSTEM, "value": cert.number}],
        "code": {"coding": [_coding(KIND_CS, cert.kind, KINDS[cert.kind]),
                            _coding(TITLE_CS, cert.title, TITLES[cert.title])],
                 "text": f"{cert.kind} — {TITLES[cert.title]}"},
        "period": period,
        "issuer": {"reference": issuer_ref, "display": cert.issuer},
    }


def licence_extension(lic: FacilityLicence, issuer_ref: str) -> dict[str, Any]:
    """The operating licence as the Organization's `giay-phep-hoat-dong` extension."""
    parts: list[dict[str, Any]] = [
        {"url": "number", "valueString": lic.number},
        {"url": "issued", "valueDate": lic.issued.isoformat()},
        {"url": "kind", "valueCodeableConcept": {
            "coding": [_coding(FACILITY_KIND_CS, lic.kind, FACILITY_KINDS[lic.kind])]}},
        {"url": "issuer", "valueReference": {"reference": issuer_ref, "display": lic.issuer}},
        {"url": "status", "valueCode": lic.status},
    ]  # fmt: skip
    if lic.expires:
        parts.append({"url": "expires", "valueDate": lic.expires.isoformat()})
    if lic.scope:
        parts.append({"url": "scope", "valueString": lic.scope})
    if lic.beds is not None:
        parts.append({"url": "beds", "valueInteger": lic.beds})
    if lic.status_date:
        parts.append({"url": "statusDate", "valueDate": lic.status_date.isoformat()})
    return {"url": GPHD_EXT, "extension": parts}


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def verification_result(target: str, location: str, source: str, source_date: date,
                        status: str, now_iso: str) -> dict[str, Any]:  # fmt: skip
    """The check of one licence against the published register the import came from."""
    failed = status in (REVOKED, SUSPENDED)
    source_check = {
        "who": {"display": source},
        "type": [_concept(THO + "primary-source-type", "lic-board")],
        "validationStatus": _concept(THO + "validation-status",
                                     "failed" if failed else "successful"),
        "validationDate": source_date.isoformat(),
    }  # fmt: skip
    return {
        "resourceType": "VerificationResult",
        "target": [{"reference": target}],
        "targetLocation": [location],
        "need": _concept(THO + "need", "periodic"),
        "status": "val-fail" if failed else "validated",
        "statusDate": now_iso,
        "validationType": _concept(THO + "verificationresult-validation-type", "primary"),
        "lastPerformed": now_iso,
        "primarySource": [source_check],
        "validator": [{"organization": {"display": VALIDATOR}}],
    }


def qualification_location(number: str) -> str:
    return f"Practitioner.qualification.where(identifier.value='{number}')"


def licence_location(number: str) -> str:
    return (f"Organization.extension.where(url='{GPHD_EXT}')"
            f".where(extension.where(url='number').value = '{number}')")  # fmt: skip


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _code(concept: dict[str, Any] | None, system: str) -> str:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _ext(node: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in node.get("extension") or [] if e.get("url") == url]


def certificate_of(q: dict[str, Any], holder: str = "", practitioner_id: str = ""
                   ) -> Certificate | None:  # fmt: skip
    """A qualification read back as a `Certificate`; None if it is not one of ours."""
    number = next((i.get("value") for i in q.get("identifier") or []
                   if i.get("system") == NUMBER_SYSTEM), None)  # fmt: skip
    kind = _code(q.get("code"), KIND_CS)
    issued = _day((q.get("period") or {}).get("start"))
    if not number or kind not in KINDS or issued is None:
        return None
    status = next((e.get("valueCode") for e in _ext(q, STATUS_EXT)), ACTIVE)
    status_date = next((_day(e.get("valueDate")) for e in _ext(q, STATUS_DATE_EXT)), None)
    scopes = tuple(c for e in _ext(q, SCOPE_EXT)
                   if (c := _code(e.get("valueCodeableConcept"), SCOPE_CS)))  # fmt: skip
    return Certificate(
        number=str(number), kind=kind, title=_code(q.get("code"), TITLE_CS), scopes=scopes,
        issued=issued, expires=_day((q.get("period") or {}).get("end")),
        issuer=str((q.get("issuer") or {}).get("display") or ""), status=str(status),
        status_date=status_date, holder=holder, practitioner_id=practitioner_id,
    )  # fmt: skip


def holder_name(practitioner: dict[str, Any]) -> str:
    for name in practitioner.get("name") or []:
        parts = [*(name.get("given") or []), name.get("family") or ""]
        text = name.get("text") or " ".join(parts)
        if text.strip():
            return str(text).strip()
    return ""


def certificates_of(practitioner: dict[str, Any]) -> list[Certificate]:
    name, pid = holder_name(practitioner), str(practitioner.get("id") or "")
    found = (certificate_of(q, name, pid) for q in practitioner.get("qualification") or [])
    return [c for c in found if c is not None]


def facility_licence_of(org: dict[str, Any]) -> FacilityLicence | None:
    ext = next(iter(_ext(org, GPHD_EXT)), None)
    if ext is None:
        return None
    parts = {p.get("url"): p for p in ext.get("extension") or []}

    def value(url: str, key: str) -> Any:
        return (parts.get(url) or {}).get(key)

    number, issued = value("number", "valueString"), _day(value("issued", "valueDate"))
    if not number or issued is None:
        return None
    address = next((a.get("text") for a in org.get("address") or [] if a.get("text")), "")
    code = next((i.get("value") for i in org.get("identifier") or []
                 if i.get("system") not in (GPHD_SYSTEM, None)), "")  # fmt: skip
    return FacilityLicence(
        number=str(number), name=str(org.get("name") or ""),
        kind=_code(value("kind", "valueCodeableConcept"), FACILITY_KIND_CS),
        scope=str(value("scope", "valueString") or ""), address=str(address or ""),
        beds=value("beds", "valueInteger"), issued=issued,
        expires=_day(value("expires", "valueDate")),
        issuer=str((value("issuer", "valueReference") or {}).get("display") or ""),
        status=str(value("status", "valueCode") or ACTIVE),
        status_date=_day(value("statusDate", "valueDate")), facility_code=str(code or ""),
        organization_id=str(org.get("id") or ""),
    )  # fmt: skip
