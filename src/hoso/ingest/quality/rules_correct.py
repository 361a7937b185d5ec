"""Đúng (correct): codes that exist, a CCCD that agrees with the record, values and
dates that are possible. One small function per rule; see `registry.rule`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hoso.core.jsonx import is_number
from hoso.fhir.quality import KIND_BATCH
from hoso.identity.cccd import check_patient_cccd
from hoso.ingest.quality.codes import (
    ATC_SYSTEMS,
    ICD10_SYSTEMS,
    LOINC_SYSTEM,
    is_atc,
    is_icd10,
    is_loinc,
)
from hoso.ingest.quality.model import Finding, RuleContext, msg
from hoso.ingest.quality.plausible import LIMITS, in_unit
from hoso.ingest.quality.registry import rule
from hoso.ingest.quality.values import YEAR_US, codings, span

Resource = dict[str, Any]
MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "Medication")
FUTURE_SLACK_US = 10 * 60 * 1_000_000  # clocks of sending systems drift a few minutes
MAX_AGE_YEARS = 120  # the oldest documented Vietnamese residents are under 125

# Clinical dates that cannot lie ahead of now, per type (FHIRPath, JSON key path).
_PAST_DATES: dict[str, tuple[tuple[str, ...], ...]] = {
    "Patient": (("birthDate",), ("deceasedDateTime",)),
    "Observation": (("effectiveDateTime",), ("effectivePeriod", "start"), ("issued",)),
    "Condition": (("onsetDateTime",), ("recordedDate",), ("abatementDateTime",)),
    "Encounter": (("period", "start"),),
    "Procedure": (("performedDateTime",), ("performedPeriod", "start")),
    "Immunization": (("occurrenceDateTime",), ("recorded",)),
    "MedicationRequest": (("authoredOn",),),
    "AllergyIntolerance": (("recordedDate",), ("onsetDateTime",), ("lastOccurrence",)),
    "DiagnosticReport": (("effectiveDateTime",), ("issued",)),
}
# (start, end) pairs whose end may not come before the start.
_PERIODS: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = {
    "Encounter": ((("period", "start"), ("period", "end")),),
    "EpisodeOfCare": ((("period", "start"), ("period", "end")),),
    "Coverage": ((("period", "start"), ("period", "end")),),
    "Procedure": ((("performedPeriod", "start"), ("performedPeriod", "end")),),
    "Condition": ((("onsetDateTime",), ("abatementDateTime",)),),
    "Patient": ((("birthDate",), ("deceasedDateTime",)),),
}


def _get(resource: Resource, path: tuple[str, ...]) -> Any:
    node: Any = resource
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _where(resource_type: str, path: tuple[str, ...]) -> str:
    return ".".join((resource_type, *path))


@rule("DUNG-001", msg("Mã ICD-10 có trong danh mục QĐ 4469/QĐ-BYT",
                      "ICD-10 code is in the QĐ 4469/QĐ-BYT list"),
      ("Condition",), severity="error", issue_code="code-invalid")  # fmt: skip
def icd10_code(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    for i, coding in codings(resource.get("code")):
        if coding.get("system") in ICD10_SYSTEMS and not is_icd10(coding["code"]):
            yield Finding(
                f"Condition.code.coding[{i}].code",
                msg(f"Mã ICD-10 '{coding['code']}' không có trong danh mục của Bộ Y tế",
                    f"ICD-10 code '{coding['code']}' is not in the Ministry of Health list"),
            )  # fmt: skip


def _medication_concept(resource: Resource) -> tuple[str, Any]:
    if resource.get("resourceType") == "Medication":
        return "Medication.code", resource.get("code")
    return (
        f"{resource.get('resourceType')}.medicationCodeableConcept",
        resource.get("medicationCodeableConcept"),
    )


@rule("DUNG-002", msg("Mã ATC đúng cấu trúc WHO", "ATC code has the WHO structure"),
      MEDICATION_TYPES, severity="error", issue_code="code-invalid")  # fmt: skip
def atc_code(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    path, concept = _medication_concept(resource)
    for i, coding in codings(concept):
        if coding.get("system") in ATC_SYSTEMS and not is_atc(coding["code"]):
            yield Finding(
                f"{path}.coding[{i}].code",
                msg(f"Mã ATC '{coding['code']}' sai cấu trúc (ví dụ A10BA02)",
                    f"ATC code '{coding['code']}' is malformed (e.g. A10BA02)"),
            )  # fmt: skip


def _observation_codes(resource: Resource) -> Iterator[tuple[str, Any]]:
    yield "Observation.code", resource.get("code")
    for k, component in enumerate(resource.get("component") or []):
        if isinstance(component, dict):
            yield f"Observation.component[{k}].code", component.get("code")


@rule("DUNG-003", msg("Mã LOINC đúng cấu trúc và số kiểm tra",
                      "LOINC code has a valid form and check digit"),
      ("Observation",), severity="error", issue_code="code-invalid")  # fmt: skip
def loinc_code(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    for path, concept in _observation_codes(resource):
        for i, coding in codings(concept):
            if coding.get("system") == LOINC_SYSTEM and not is_loinc(coding["code"]):
                yield Finding(
                    f"{path}.coding[{i}].code",
                    msg(f"Mã LOINC '{coding['code']}' sai cấu trúc hoặc số kiểm tra",
                        f"LOINC code '{coding['code']}' is malformed or fails its check "
                        "digit"),
                )  # fmt: skip


@rule("DUNG-004", msg("Số CCCD khớp ngày sinh và giới tính",
                      "CCCD agrees with birth date and sex"),
      ("Patient",), issue_code="business-rule")  # fmt: skip
def cccd_structure(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    # hoso.identity.cccd: 12 digits is the hard rule (enforced on write); the structure
    # is informative since Luật Căn cước 2023, so a mismatch is a warning to review.
    _, warnings = check_patient_cccd(resource, ctx.cccd_system, at=ctx.now)
    for warning in warnings:
        yield Finding(warning.expression[0], warning.diagnostics)


def _loinc(concept: Any) -> str | None:
    return next((c["code"] for _, c in codings(concept) if c.get("system") == LOINC_SYSTEM), None)


def _quantities(resource: Resource) -> Iterator[tuple[str, str | None, Any]]:
    """(FHIRPath, LOINC code, valueQuantity) of the Observation and its components."""
    yield "Observation.valueQuantity", _loinc(resource.get("code")), resource.get("valueQuantity")
    for k, component in enumerate(resource.get("component") or []):
        if isinstance(component, dict):
            path = f"Observation.component[{k}].valueQuantity"
            yield path, _loinc(component.get("code")), component.get("valueQuantity")


@rule("DUNG-005", msg("Chỉ số sinh tồn trong giới hạn có thể",
                      "Vital sign within possible limits"),
      ("Observation",), severity="error", issue_code="value")  # fmt: skip
def plausible_vital_sign(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    for path, loinc, quantity in _quantities(resource):
        limit = LIMITS.get(loinc or "")
        if limit is None or not isinstance(quantity, dict):
            continue
        value = quantity.get("value")
        if not is_number(value):
            continue
        converted = in_unit(float(value), quantity.get("code") or quantity.get("unit"), limit)
        if converted is not None and not limit.low <= converted <= limit.high:
            bounds = f"{limit.low:g}–{limit.high:g} {limit.display}"
            yield Finding(
                path,
                msg(
                    f"{limit.vi} {value:g} ngoài giới hạn có thể {bounds}",
                    f"{limit.en} {value:g} outside possible limits {bounds}",
                ),
            )


def _component_value(resource: Resource, loinc: str) -> float | None:
    for component in resource.get("component") or []:
        if not isinstance(component, dict):
            continue
        if any(c.get("code") == loinc for _, c in codings(component.get("code"))):
            value = (component.get("valueQuantity") or {}).get("value")
            if is_number(value):
                return float(value)
    return None


@rule("DUNG-006", msg("Huyết áp tâm thu lớn hơn tâm trương",
                      "Systolic pressure above diastolic"),
      ("Observation",), severity="error", issue_code="value")  # fmt: skip
def systolic_above_diastolic(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    systolic, diastolic = _component_value(resource, "8480-6"), _component_value(resource, "8462-4")
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        yield Finding(
            "Observation.component",
            msg(
                "Huyết áp tâm thu không lớn hơn tâm trương (có thể nhập đảo)",
                "Systolic pressure is not above diastolic (perhaps entered swapped)",
            ),
        )


@rule("DUNG-007", msg("Ngày không ở tương lai", "Dates are not in the future"),
      tuple(_PAST_DATES), severity="error", issue_code="value")  # fmt: skip
def not_in_future(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    resource_type = resource.get("resourceType", "")
    for path in _PAST_DATES.get(resource_type, ()):
        found = span(_get(resource, path))
        if found is not None and found[0] > ctx.now_us + FUTURE_SLACK_US:
            yield Finding(
                _where(resource_type, path), msg("Ngày ở tương lai", "Date is in the future")
            )


@rule("DUNG-008", msg("Ngày kết thúc không trước ngày bắt đầu",
                      "End is not before start"),
      tuple(_PERIODS), severity="error", issue_code="value")  # fmt: skip
def end_after_start(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    resource_type = resource.get("resourceType", "")
    for start_path, end_path in _PERIODS.get(resource_type, ()):
        start, end = span(_get(resource, start_path)), span(_get(resource, end_path))
        # Compare whole ranges: "2024" ends after "2024-03-01" starts, not before.
        if start is not None and end is not None and end[1] < start[0]:
            if resource_type == "Patient":
                text = msg("Ngày mất trước ngày sinh", "Death is before birth")
            else:
                text = msg("Thời điểm kết thúc trước thời điểm bắt đầu", "End is before start")
            yield Finding(_where(resource_type, end_path), text)


@rule("DUNG-009", msg(f"Tuổi không quá {MAX_AGE_YEARS}",
                      f"Age is not above {MAX_AGE_YEARS}"),
      ("Patient",), issue_code="value")  # fmt: skip
def plausible_age(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    born = span(resource.get("birthDate"))
    alive = not (resource.get("deceasedBoolean") or resource.get("deceasedDateTime"))
    if born is not None and alive and ctx.now_us - born[1] > MAX_AGE_YEARS * YEAR_US:
        yield Finding(
            "Patient.birthDate",
            msg(
                f"Ngày sinh cho tuổi trên {MAX_AGE_YEARS} ở người còn sống",
                f"Birth date gives an age above {MAX_AGE_YEARS} for a living person",
            ),
        )


@rule("DUNG-010", msg("Không có chăm sóc trước ngày sinh", "No care recorded before birth"),
      ("Patient",), severity="error", issue_code="business-rule", kind=KIND_BATCH)  # fmt: skip
def care_after_birth(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    # Children's records start at birth (hepatitis B within 24 h, TCMR): a visit or a
    # vaccination before the date of birth says the birth date is wrong, most often a
    # day and month typed the other way round (05/07 for 07/05).
    born = span(resource.get("birthDate"))
    first = ctx.facts.first_care_us if ctx.facts is not None else None
    if born is not None and first is not None and first < born[0]:
        yield Finding("Patient.birthDate", msg(
            "Có lượt khám hoặc mũi tiêm trước ngày sinh: ngày sinh có thể sai (đảo ngày và "
            "tháng?)",
            "Care is recorded before the date of birth: the birth date may be wrong (day "
            "and month swapped?)"))  # fmt: skip
