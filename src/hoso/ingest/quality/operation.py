"""`GET /fhir/{type}/{id}/$quality`: a resource's data-quality findings as an
OperationOutcome, one issue per finding.

The findings come through the caller's repository, the access layer, which reads the
resource first (policy, consent, break-the-glass, audit), so whoever cannot read a
resource gets the same 404 for its findings. A de-identified reader (public-health
officer) gets each rule's title instead of the finding's own text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hoso.core.errors import InvalidRequest
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)
from hoso.fhir.quality import QualityIssue
from hoso.ingest.quality.registry import find_rule

__all__ = ["RULE_SYSTEM", "QualityOperation", "quality_outcome"]

RULE_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/data-quality-rule"
BASE = "https://fhir.hoso.hochiminhcity.gov.vn/OperationDefinition"
class FindingsReader(Protocol):
    """The caller's access layer (`hoso.access.records.quality_findings`)."""

    def quality_findings(self, resource_type: str, id: str) -> Sequence[QualityIssue]: ...


def quality_outcome(found: Sequence[QualityIssue], *, deidentified: bool) -> dict[str, Any]:
    """The OperationOutcome of `found` (one informational issue when there is none)."""
    if not found:
        return {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "information", "code": "informational",
                       "diagnostics": "Không phát hiện vấn đề / No issues found"}],
        }  # fmt: skip
    issues = []
    for item in found:
        rule = find_rule(item.rule)
        title = rule.title if rule is not None else item.rule
        issues.append({
            "severity": item.severity,
            "code": rule.issue_code if rule is not None else "business-rule",
            "details": {"coding": [{"system": RULE_SYSTEM, "code": item.rule,
                                    "display": title}], "text": title},
            "diagnostics": title if deidentified else item.message,
            "expression": [item.expression],
        })  # fmt: skip
    return {"resourceType": "OperationOutcome", "issue": issues}


class QualityOperation:
    DEFINITION = OperationDefinition(
        name="quality",
        title="Chất lượng dữ liệu / Data quality",
        description=(
            "Các vấn đề chất lượng dữ liệu của tài nguyên (đúng – đủ – sạch – sống), mỗi "
            "vấn đề kèm mã quy tắc / The resource's data-quality findings (correct, "
            "complete, clean, live), each with its rule code."
        ),
        url=f"{BASE}/Resource-quality",
        levels=frozenset({"instance"}),
        parameters=(
            OperationParameter(
                "return", "out", 1, "1", "OperationOutcome", "Các vấn đề / The findings"
            ),
        ),
        methods=("GET",),
    )

    def run(self, repo: FindingsReader, ctx: OperationContext, params: OperationParams
            ) -> dict[str, Any]:  # fmt: skip
        if ctx.method != "GET" or any(not name.startswith("_") for name in params):
            raise InvalidRequest(
                "$quality chỉ nhận GET, không tham số / $quality takes GET with no parameters",
                code="not-supported",
            )
        assert ctx.resource_type is not None and ctx.id is not None  # instance level
        found = repo.quality_findings(ctx.resource_type, ctx.id)  # 404 if not shown
        return quality_outcome(found, deidentified=bool(getattr(repo, "deidentifies", False)))
