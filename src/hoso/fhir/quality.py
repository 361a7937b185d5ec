"""The data-quality contract between the store's write path and the rules.

The store may not import `hoso.ingest`, where the rules live, yet every write must
refresh that resource's findings in its own transaction. So the composition root hands
the store a `QualityCheck` (built by `hoso.ingest.quality.make_checker`): a pure function
of the resource as stored, returning `QualityIssue`s that the store writes as rows of
`quality_issue` next to the search-index rows. Nothing here knows SQL or HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["KIND_BATCH", "KIND_WRITE", "QualityCheck", "QualityIssue"]

KIND_WRITE = "write"  # refreshed by every write of the resource
KIND_BATCH = "batch"  # looks across a resident's record: refreshed by the batch only


@dataclass(frozen=True, slots=True)
class QualityIssue:
    """One finding of one rule on one resource.

    `message` is "Tiếng Việt / English" and names the element, never its value when the
    value identifies a person (a name, a CCCD, an address): the findings are shown to
    whoever may read the resource, de-identified readers included.
    """

    rule: str  # "DUNG-001"
    severity: str  # error | warning | information (OperationOutcome.issue.severity)
    expression: str  # FHIRPath of the element: "Observation.valueQuantity"
    message: str
    kind: str = KIND_WRITE


# The resource as stored (meta stamped) → its findings of the rules run on every write.
QualityCheck = Callable[[dict[str, Any]], Sequence[QualityIssue]]
