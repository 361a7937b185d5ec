"""Đủ (complete): the fields a record must have.

For the resident these are section I of the Ministry's personal health record template
(QĐ 831/QĐ-BYT, DOMAIN-VN.md §2.1) and the administrative group of the VNeID health
book (QĐ 31/QĐ-BYT Art. 2 §3a, §4): name, sex, date of birth, ID number, address,
phone, BHYT. Ethnicity and nationality are in both lists, but nothing in Hồ Sơ records
them yet (no adapter, no generator field), so no rule asks for them. For clinical
resources: what a health-book episode shows (QĐ 31 §3c) and, for vaccinations, the lot
and expiry that QĐ 3891/2025 makes mandatory (DOMAIN-VN.md §6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hoso.fhir.quality import KIND_BATCH
from hoso.ingest.quality.codes import ICD10_SYSTEMS
from hoso.ingest.quality.model import Finding, RuleContext, msg
from hoso.ingest.quality.registry import rule
from hoso.ingest.quality.values import age_at, codings, is_foreigner

Resource = dict[str, Any]
Check = Callable[[Resource], bool]
NEWBORN_YEARS = 1.0  # a số định danh comes with birth registration, within 60 days
PHONE_FROM_YEARS = 15  # younger residents are reached through a parent or guardian
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def _missing(resource_type: str, resource: Resource, fields: tuple[tuple[str, str, str, Check],
             ...]) -> Iterator[Finding]:  # fmt: skip
    for path, vi, en, present in fields:
        if not present(resource):
            yield Finding(f"{resource_type}.{path}", msg(f"Thiếu {vi}", f"Missing {en}"))


def _has(*keys: str) -> Check:
    return lambda r: any(r.get(k) not in (None, "", [], {}) for k in keys)


def _at(outer: str, inner: str) -> Check:
    return lambda r: isinstance(r.get(outer), dict) and r[outer].get(inner) not in (None, "")


@rule("DU-001", msg("Có họ tên", "Name is recorded"), ("Patient",), issue_code="required")
def patient_name(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    if not any(n.get("text") or n.get("family") or n.get("given") for n in names):
        yield Finding("Patient.name", msg("Thiếu họ tên", "Missing name"))


@rule("DU-002", msg("Có giới tính", "Sex is recorded"), ("Patient",), issue_code="required")
def patient_gender(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    if resource.get("gender") in (None, "unknown"):
        yield Finding("Patient.gender", msg("Thiếu giới tính", "Missing sex"))


@rule("DU-003", msg("Có ngày sinh", "Date of birth is recorded"), ("Patient",),
      issue_code="required")  # fmt: skip
def patient_birth_date(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    if not resource.get("birthDate"):
        yield Finding("Patient.birthDate", msg("Thiếu ngày sinh", "Missing date of birth"))


def _identifiers(resource: Resource) -> list[dict[str, Any]]:
    return [i for i in resource.get("identifier") or [] if isinstance(i, dict)]


@rule("DU-004", msg("Có số CCCD, hoặc lý do không có (trẻ sơ sinh, người nước ngoài)",
                    "CCCD is recorded, or why not (newborn, foreigner)"),
      ("Patient",), issue_code="required")  # fmt: skip
def patient_cccd(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    idents = [i for i in _identifiers(resource) if i.get("system") == ctx.cccd_system]
    if any(i.get("value") for i in idents):
        return
    explained = any(  # the identifier is there, with why its value is not
        isinstance(e, dict) and e.get("url") == DATA_ABSENT
        for i in idents
        for e in (i.get("_value") or {}).get("extension") or []
    )
    age = age_at(resource.get("birthDate"), ctx.now_us)
    newborn = age is not None and age < NEWBORN_YEARS
    if not (explained or newborn or is_foreigner(resource)):
        yield Finding("Patient.identifier", msg(
            "Thiếu số CCCD (số định danh cá nhân) và không ghi lý do",
            "Missing CCCD (personal ID number) with no reason given"))  # fmt: skip


@rule("DU-005", msg("Có địa chỉ: phường/xã và tỉnh/thành phố",
                    "Address has a ward and a province"),
      ("Patient",), issue_code="required")  # fmt: skip
def patient_address(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    addresses = [a for a in resource.get("address") or [] if isinstance(a, dict)]
    if not addresses:
        yield Finding("Patient.address", msg("Thiếu địa chỉ", "Missing address"))
        return
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0])
    if not (home.get("city") or home.get("district")):
        yield Finding("Patient.address.city", msg("Thiếu phường/xã", "Missing ward"))
    if not home.get("state"):
        yield Finding("Patient.address.state", msg("Thiếu tỉnh/thành phố", "Missing province"))


def _phones(items: Any) -> bool:
    return any(
        isinstance(t, dict) and t.get("system") in ("phone", "sms") and t.get("value")
        for t in items or []
    )


@rule("DU-006", msg(f"Có số điện thoại (từ {PHONE_FROM_YEARS} tuổi)",
                    f"Phone is recorded (aged {PHONE_FROM_YEARS} and over)"),
      ("Patient",), issue_code="required")  # fmt: skip
def patient_phone(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    age = age_at(resource.get("birthDate"), ctx.now_us)
    if age is not None and age < PHONE_FROM_YEARS:
        return
    contacts = [c for c in resource.get("contact") or [] if isinstance(c, dict)]
    if not (_phones(resource.get("telecom")) or any(_phones(c.get("telecom")) for c in contacts)):
        yield Finding("Patient.telecom", msg("Thiếu số điện thoại", "Missing phone number"))


@rule("DU-007", msg("Có thẻ BHYT hoặc mã số BHXH", "BHYT card or social-insurance number"),
      ("Patient",), issue_code="required", kind=KIND_BATCH)  # fmt: skip
def patient_bhyt(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    # Hồ Sơ keeps the card as a Coverage naming the resident (as the BHXH lookup
    # returns it), so this looks across the record: the batch tells.
    systems = {ctx.bhyt_system, ctx.bhxh_system}
    on_patient = any(i.get("system") in systems and i.get("value") for i in _identifiers(resource))
    if not on_patient and ctx.facts is not None and not ctx.facts.covered:
        yield Finding("Patient", msg(
            "Không có thẻ BHYT (Coverage) hay mã số BHXH", "No BHYT card (Coverage) or "
            "social-insurance number"))  # fmt: skip


def _observation_value(r: Resource) -> bool:
    if any(k.startswith("value") for k in r) or r.get("dataAbsentReason") or r.get("hasMember"):
        return True
    return any(
        isinstance(c, dict) and (any(k.startswith("value") for k in c) or c.get("dataAbsentReason"))
        for c in r.get("component") or []
    )


def _effective(r: Resource) -> bool:
    return any(k.startswith("effective") for k in r)


@rule("DU-008", msg("Kết quả quan sát đủ: thời điểm, giá trị",
                    "Observation is complete: time and value"),
      ("Observation",), issue_code="required")  # fmt: skip
def observation_complete(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing("Observation", resource, (
        ("subject", "người bệnh", "subject", _has("subject")),
        ("effective", "thời điểm", "time (effective[x])", _effective),
        ("value", "giá trị", "value", _observation_value),
    ))  # fmt: skip


def _icd10(r: Resource) -> bool:
    return any(c.get("system") in ICD10_SYSTEMS for _, c in codings(r.get("code")))


def _status_or_error(r: Resource) -> bool:
    void = ("entered-in-error", "refuted")
    verification = [c.get("code") for _, c in codings(r.get("verificationStatus"))]
    return bool(r.get("clinicalStatus")) or any(v in void for v in verification)


@rule("DU-009", msg("Chẩn đoán đủ: mã ICD-10, tình trạng, ngày",
                    "Condition is complete: ICD-10 code, status, date"),
      ("Condition",), issue_code="required")  # fmt: skip
def condition_complete(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing("Condition", resource, (
        ("code", "mã ICD-10", "ICD-10 code", _icd10),
        ("clinicalStatus", "tình trạng lâm sàng", "clinical status", _status_or_error),
        ("recordedDate", "ngày ghi nhận hoặc khởi phát", "recorded or onset date",
         _has("recordedDate", "onsetDateTime", "onsetPeriod", "onsetAge", "onsetString")),
    ))  # fmt: skip


@rule("DU-010", msg("Đơn thuốc đủ: thuốc, ngày kê, cách dùng",
                    "Prescription is complete: drug, date, dosage"),
      ("MedicationRequest",), issue_code="required")  # fmt: skip
def prescription_complete(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing("MedicationRequest", resource, (
        ("medication", "thuốc", "medication",
         _has("medicationCodeableConcept", "medicationReference")),
        ("authoredOn", "ngày kê", "date written", _has("authoredOn")),
        ("dosageInstruction", "cách dùng", "dosage instructions", _has("dosageInstruction")),
    ))  # fmt: skip


@rule("DU-011", msg("Lượt khám đủ: thời gian, cơ sở", "Encounter is complete: time, facility"),
      ("Encounter",), issue_code="required")  # fmt: skip
def encounter_complete(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing("Encounter", resource, (
        ("subject", "người bệnh", "subject", _has("subject")),
        ("period.start", "thời điểm vào", "start time", _at("period", "start")),
        ("serviceProvider", "cơ sở khám chữa bệnh", "facility", _has("serviceProvider")),
    ))  # fmt: skip


@rule("DU-012", msg("Mũi tiêm đủ: ngày tiêm, số lô, hạn dùng",
                    "Vaccination is complete: date, lot, expiry"),
      ("Immunization",), issue_code="required")  # fmt: skip
def immunization_complete(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    if resource.get("status") == "not-done":
        return
    yield from _missing("Immunization", resource, (
        ("occurrence", "ngày tiêm", "date given", _has("occurrenceDateTime", "occurrenceString")),
        ("lotNumber", "số lô vắc xin", "vaccine lot number", _has("lotNumber")),
        ("expirationDate", "hạn dùng vắc xin", "vaccine expiry date", _has("expirationDate")),
    ))  # fmt: skip


@rule("DU-013", msg("Dị ứng đủ: tác nhân, ngày ghi nhận",
                    "Allergy is complete: substance, date recorded"),
      ("AllergyIntolerance",), issue_code="required")  # fmt: skip
def allergy_complete(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    yield from _missing("AllergyIntolerance", resource, (
        ("code", "tác nhân gây dị ứng", "substance", _has("code")),
        ("recordedDate", "ngày ghi nhận", "date recorded", _has("recordedDate")),
    ))  # fmt: skip
