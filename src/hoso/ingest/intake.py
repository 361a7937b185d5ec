"""The one intake: every front door (FHIR from a HIS, XML 130, later HL7 v2) turns its
input into one FHIR transaction Bundle per episode and hands it here.

An episode is one transaction through the caller's repository (`process_bundle`): the
Patient passes the master patient index as `POST /fhir/Patient` does (same CCCD → the
resident on file; another person on that CCCD → rejected, naming it; a possible match →
the review queue), every resource is validated and checked by the data-quality rules,
the access layer decides with the sending facility's rights and audits, and a failure
leaves nothing of the episode written. What the episode's writes said (the MPI's
warnings, the quality findings) comes back as warnings; what stopped it as errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hoso.core.errors import FhirError, Issue
from hoso.core.settings import Settings
from hoso.fhir.operations import OperationRegistry
from hoso.fhir.repository import Repository
from hoso.fhir.transaction import BundleLimits, process_bundle

__all__ = ["ACCEPTED", "REJECTED", "WITH_WARNINGS", "IntakeIssue", "IntakeResult", "take_episode"]

ACCEPTED, WITH_WARNINGS, REJECTED = "accepted", "accepted-with-warnings", "rejected"
# Who may send episodes (the roles of hoso.access.claims, named here: ingest does not
# import access): a facility's system, a clinician at the counter, the operator.
SENDER_ROLES = ("facility-system", "clinician")


@dataclass(frozen=True, slots=True)
class IntakeIssue:
    """One finding about an episode: where (a Bundle entry and element paths, or the
    front door's own table/row/field), how bad, and the bilingual text."""

    severity: str  # "error" | "warning" | "information"
    text: str  # "Vietnamese / English"
    entry: int | None = None  # index of the Bundle entry it is about
    expression: tuple[str, ...] = ()
    resource: str | None = None  # "Type/id" once written


@dataclass
class IntakeResult:
    status: str
    issues: list[IntakeIssue] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # "Type/id/_history/v" of each entry


def take_episode(
    repo: Repository, bundle: dict[str, Any], *, settings: Settings, base_url: str,
    operations: OperationRegistry | None = None, provenance: dict[str, Any] | None = None,
) -> IntakeResult:  # fmt: skip
    """Write one episode, all or nothing, as the repository's caller; `provenance` (its
    references by the Bundle's fullUrls) is then written by the server in the same
    transaction, naming what each entry became."""
    limits = BundleLimits(settings.max_bundle_entries, settings.max_patch_operations)
    try:
        with repo.unit_of_work() as uow:
            response = process_bundle(uow, bundle, base_url=base_url, limits=limits,
                                      operations=operations)  # fmt: skip
            if provenance is not None:
                record_provenance(uow, _resolved(provenance, bundle, response))
    except FhirError as exc:
        return IntakeResult(REJECTED, [_issue(i, _entry_of(i)) for i in exc.issues])
    result = IntakeResult(ACCEPTED)
    for index, entry in enumerate(response.get("entry", [])):
        answer = entry.get("response", {})
        location = answer.get("location")
        if location:
            result.written.append(location)
        for raw in (answer.get("outcome") or {}).get("issue", []):
            issue = _issue(_raw_issue(raw), index)
            resource = _resource_of(location)
            result.issues.append(
                IntakeIssue(issue.severity, issue.text, index, issue.expression, resource)
            )
    if any(i.severity in ("warning", "error") for i in result.issues):
        result.status = WITH_WARNINGS
    return result


class ServerWrites(Protocol):
    """The access layer's door for what the server itself records (Provenance is
    server-written: no caller may forge one), in the caller's unit of work."""

    def run_as_server(self, operation: str, entity: str, fn: Callable[[Any, dict[str, Any]], Any],
                      *, allowed: Sequence[str] | None = None) -> Any: ...  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Recorded:
    """What `run_as_server` audits of the Provenance it wrote."""

    audit_patients: tuple[str, ...]
    audit_entities: tuple[str, ...]
    audit_description: str


def record_provenance(repo: Any, provenance: dict[str, Any]) -> None:
    """Write `provenance` with the server's authority, the sender named as its agent."""
    writer: ServerWrites = repo

    def write(session: Any, agent: dict[str, Any]) -> _Recorded:
        stored = session.create({**provenance, "agent": [*provenance.get("agent", []), agent]})
        return _Recorded((), (stored.stored.location,), "intake provenance")

    writer.run_as_server("provenance", "Provenance", write, allowed=SENDER_ROLES)


def _resolved(provenance: dict[str, Any], bundle: dict[str, Any],
              response: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """`provenance` with each fullUrl of the Bundle replaced by what it became."""
    written: dict[str, str] = {}
    for sent, answer in zip(bundle.get("entry", []), response.get("entry", []), strict=False):
        location = (answer.get("response") or {}).get("location")
        if sent.get("fullUrl") and location:
            written[sent["fullUrl"]] = location.split("/_history/")[0]

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (written.get(v, v) if k == "reference" and isinstance(v, str)
                        else swap(v)) for k, v in node.items()}  # fmt: skip
        if isinstance(node, list):
            return [swap(item) for item in node]
        return node

    resolved = swap(provenance)
    resolved["target"] = [t for t in resolved.get("target", [])
                          if not str(t.get("reference", "")).startswith("urn:")]  # fmt: skip
    return dict(resolved)


def _raw_issue(raw: dict[str, Any]) -> Issue:
    return Issue(raw.get("severity", "warning"), raw.get("code", "informational"),
                 raw.get("diagnostics", ""), tuple(raw.get("expression", ())))  # fmt: skip


def _issue(issue: Issue, entry: int | None) -> IntakeIssue:
    return IntakeIssue(issue.severity, issue.diagnostics, entry, issue.expression)


def _entry_of(issue: Issue) -> int | None:
    """The transaction names a failing entry as `Bundle.entry[n]…` in the expression."""
    for path in issue.expression:
        if path.startswith("Bundle.entry[") and "]" in path:
            number = path[len("Bundle.entry["):path.index("]")]
            if number.isdigit():
                return int(number)
    return None


def _resource_of(location: str | None) -> str | None:
    if not location:
        return None
    parts = location.split("/")
    return "/".join(parts[:2]) if len(parts) >= 2 else None
