"""Sống (live): a record that is still being looked after. Each kind of record has an
interval within which someone should have confirmed it; past it, the record may well
be true, but nobody has said so lately.

The dates are the ones that say when a person last confirmed the facts (recordedDate,
lastOccurrence, authoredOn); `meta.lastUpdated` only for the Patient, whose
demographics have no date of their own. A bulk import restamps `meta.lastUpdated`, so
for clinical records it would say when a copy arrived, not when anyone looked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hoso.fhir.quality import KIND_BATCH
from hoso.ingest.quality.model import Finding, RuleContext, msg
from hoso.ingest.quality.registry import rule
from hoso.ingest.quality.values import DAY_US, YEAR_US, age_at, codings, span

Resource = dict[str, Any]

# How long a record stays "live" without being confirmed again, and why that long.
LIVE_INTERVALS_US: dict[str, int] = {
    # Demographics (address, phone) change with moves; the VNeID health book shows them
    # to the resident, who can ask for a correction, and a yearly check-up confirms them
    # (QĐ 831 §I). Five years is one missed review cycle of a CCCD-era record.
    "Patient": 5 * YEAR_US,
    # An active diagnosis is reviewed at least yearly in chronic-disease management
    # (hypertension and diabetes programmes); two years allows one missed review, after
    # which an acute diagnosis left "active" is the likelier story.
    "Condition": 2 * YEAR_US,
    # Allergies rarely go away, but the list is confirmed at each admission; five years
    # without any confirmation means no one has looked.
    "AllergyIntolerance": 5 * YEAR_US,
    # A prescription covers at most 30 days, 90 for some chronic diseases
    # (TT 52/2017/TT-BYT and its amendments); "active" after that is stale.
    "MedicationRequest": 90 * DAY_US,
    # Adults' vital signs (blood pressure, weight) at least yearly: the periodic
    # check-up of QĐ 831 §IV and the health book's "latest measurements".
    "vital-signs": YEAR_US,
}
ADULT_YEARS = 18
_ACTIVE_CONDITION = ("active", "recurrence", "relapse")


def _newest(resource: Resource, *keys: str) -> int | None:
    """The latest high bound among the dates at `keys` (dotted for one level)."""
    found = []
    for key in keys:
        node: Any = resource
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        value = span(node)
        if value is not None:
            found.append(value[1])
    return max(found) if found else None


def _stale(last: int | None, interval: int, ctx: RuleContext) -> bool:
    return last is not None and ctx.now_us - last > interval


def _status(resource: Resource, element: str) -> set[str]:
    return {c["code"] for _, c in codings(resource.get(element))}


def _deceased(resource: Resource) -> bool:
    return bool(resource.get("deceasedBoolean") or resource.get("deceasedDateTime"))


@rule("SONG-001", msg("Thông tin hành chính được xác nhận trong 5 năm",
                      "Demographics confirmed within 5 years"),
      ("Patient",), severity="information", issue_code="informational")  # fmt: skip
def demographics_reviewed(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    last = _newest(resource, "meta.lastUpdated")
    if not _deceased(resource) and _stale(last, LIVE_INTERVALS_US["Patient"], ctx):
        yield Finding(
            "Patient.meta.lastUpdated",
            msg(
                "Thông tin hành chính không được cập nhật quá 5 năm",
                "Demographics not updated for more than 5 years",
            ),
        )


@rule("SONG-002", msg("Chẩn đoán đang hoạt động được xem lại trong 2 năm",
                      "Active diagnosis reviewed within 2 years"),
      ("Condition",), severity="information", issue_code="informational")  # fmt: skip
def active_condition_reviewed(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    if not _status(resource, "clinicalStatus") & set(_ACTIVE_CONDITION):
        return
    last = _newest(resource, "recordedDate", "onsetDateTime", "onsetPeriod.end")
    if _stale(last, LIVE_INTERVALS_US["Condition"], ctx):
        yield Finding(
            "Condition.clinicalStatus",
            msg(
                "Chẩn đoán còn 'đang hoạt động' nhưng không được xem lại quá 2 năm",
                "Diagnosis still 'active' but not reviewed for more than 2 years",
            ),
        )


@rule("SONG-003", msg("Dị ứng đang hoạt động được xác nhận trong 5 năm",
                      "Active allergy confirmed within 5 years"),
      ("AllergyIntolerance",), severity="information", issue_code="informational")  # fmt: skip
def active_allergy_confirmed(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    if "active" not in _status(resource, "clinicalStatus"):
        return
    last = _newest(resource, "lastOccurrence", "recordedDate", "onsetDateTime")
    if _stale(last, LIVE_INTERVALS_US["AllergyIntolerance"], ctx):
        yield Finding(
            "AllergyIntolerance.clinicalStatus",
            msg(
                "Dị ứng không được xác nhận lại quá 5 năm",
                "Allergy not confirmed again for more than 5 years",
            ),
        )


@rule("SONG-004", msg("Đơn thuốc 'đang dùng' không quá 90 ngày",
                      "An 'active' prescription is at most 90 days old"),
      ("MedicationRequest",), issue_code="business-rule")  # fmt: skip
def prescription_current(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    if resource.get("status") != "active":
        return
    ends = _newest(resource, "dispenseRequest.validityPeriod.end")
    if ends is not None:
        stale = ends < ctx.now_us
    else:
        stale = _stale(_newest(resource, "authoredOn"), LIVE_INTERVALS_US["MedicationRequest"], ctx)
    if stale:
        yield Finding(
            "MedicationRequest.status",
            msg(
                "Đơn thuốc còn 'đang dùng' đã quá hạn; cần cập nhật trạng thái",
                "Prescription still 'active' past its time; its status needs updating",
            ),
        )


@rule("SONG-005", msg(f"Người từ {ADULT_YEARS} tuổi có chỉ số sinh tồn trong 1 năm",
                      f"Adults ({ADULT_YEARS}+) have vital signs within a year"),
      ("Patient",), severity="information", issue_code="informational",
      kind=KIND_BATCH)  # fmt: skip
def adult_vital_signs(resource: Resource, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.facts is None or _deceased(resource):
        return
    age = age_at(resource.get("birthDate"), ctx.now_us)
    last = ctx.facts.last_vital_signs_us
    stale = last is None or ctx.now_us - last > LIVE_INTERVALS_US["vital-signs"]
    if age is not None and age >= ADULT_YEARS and stale:
        yield Finding(
            "Patient",
            msg(
                "Không có chỉ số sinh tồn (huyết áp, cân nặng…) trong 12 tháng qua",
                "No vital signs (blood pressure, weight…) in the last 12 months",
            ),
        )
