"""What a data-quality rule is: a code, a dimension, the resource types it reads and one
small pure function of a resource and a `RuleContext`.

A rule function yields `Finding`s (where, what); `Rule.__call__` turns them into
`QualityIssue`s stamped with the rule's code, severity and kind, so the functions never
repeat their own code. Rules of kind "batch" read `PatientFacts` (the resident's other
records), which only the batch gathers; every other rule runs on every write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from hoso.core.settings import DEFAULT_BHXH_SYSTEM, DEFAULT_BHYT_SYSTEM, DEFAULT_CCCD_SYSTEM
from hoso.fhir.quality import KIND_WRITE, QualityIssue

__all__ = [
    "DIMENSIONS",
    "Finding",
    "PatientFacts",
    "Rule",
    "RuleContext",
    "RuleFunction",
    "msg",
]

# Code prefix → (Vietnamese, English): "đúng – đủ – sạch – sống".
DIMENSIONS: dict[str, tuple[str, str]] = {
    "DUNG": ("Đúng", "Correct"),
    "DU": ("Đủ", "Complete"),
    "SACH": ("Sạch", "Clean"),
    "SONG": ("Sống", "Live"),
}


def msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


class Finding(NamedTuple):
    expression: str  # FHIRPath of the element
    message: str  # "Tiếng Việt / English", without identifying values
    severity: str | None = None  # None: the rule's own


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What the batch knows of a resident beyond their Patient resource."""

    covered: bool = False  # a Coverage (BHYT card) names them
    last_vital_signs_us: int | None = None  # newest vital-signs Observation, µs
    open_duplicate: bool = False  # in an MPI candidate pair still open
    first_care_us: int | None = None  # earliest visit, vaccination, observation, µs


@dataclass(frozen=True, slots=True)
class RuleContext:
    now: datetime
    cccd_system: str = DEFAULT_CCCD_SYSTEM
    bhyt_system: str = DEFAULT_BHYT_SYSTEM
    bhxh_system: str = DEFAULT_BHXH_SYSTEM
    facts: PatientFacts | None = None  # Patients in the batch only

    @property
    def now_us(self) -> int:
        return int(self.now.timestamp() * 1_000_000)


RuleFunction = Callable[[dict[str, Any], RuleContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str  # "DUNG-001"
    title: str  # "Tiếng Việt / English"
    types: tuple[str, ...]  # resource types it reads (the scorecard's denominators)
    function: RuleFunction
    severity: str = "warning"
    issue_code: str = "business-rule"  # OperationOutcome.issue.code
    kind: str = KIND_WRITE

    @property
    def dimension(self) -> str:
        return self.code.split("-", 1)[0]

    def __call__(self, resource: dict[str, Any], ctx: RuleContext) -> list[QualityIssue]:
        return [
            QualityIssue(self.code, f.severity or self.severity, f.expression, f.message, self.kind)
            for f in self.function(resource, ctx)
        ]
