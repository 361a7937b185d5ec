"""What a merge leaves behind, shared by `merge` and `unmerge`: the outcome handed to
callers, the Provenance that records every version a merge or unmerge wrote, and the
walk over the references a merge re-points.

The Provenance is the merge's own record (https://hl7.org/fhir/R4/provenance.html):
`target` names each version written as `Type/id/_history/n`, so the version before it,
`n - 1`, is the pre-merge content an unmerge restores; `entity` names the source
Patient (role `source`) and the target Patient (role `revision`) as they were before.
The activity codes come from ISO 21089 record lifecycle events, which has both `merge`
and `unmerge` (v3 DataOperation has no merge code); the R4 binding is extensible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from hoso.core import clock
from hoso.core.errors import UnprocessableEntity
from hoso.fhir.repository import Repository, StoredResource

__all__ = [
    "LIFECYCLE",
    "SERVER_AGENT",
    "MergeOutcome",
    "MergeRecord",
    "Path",
    "Plan",
    "activity_code",
    "merge_provenance",
    "msg",
    "param_path",
    "parse_merge_record",
    "reference_paths",
    "replaced_by",
    "set_at",
    "unmerge_provenance",
    "value_at",
    "write_all",
]

LIFECYCLE = "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle"
_DISPLAY = {"merge": "Merge Record Lifecycle Event", "unmerge": "Unmerge Record Lifecycle Event"}
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
# Who acted when a caller gives no agent: the server itself (a script, a test).
SERVER_AGENT: dict[str, Any] = {"who": {"display": "Hồ Sơ FHIR server"}}

Path = tuple[str | int, ...]
# What a merge or unmerge writes: each resource as read, and its new content.
Plan = list[tuple[StoredResource, dict[str, Any]]]


def msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


def param_path(name: str, *rest: str) -> str:
    """Where an OperationOutcome points for a `$merge`/`$unmerge` parameter."""
    return ".".join((f"Parameters.parameter.where(name='{name}')", *rest))


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    """What one merge or unmerge did (or, for a preview, would do).

    `written` holds the versioned reference of every version written, source Patient
    first, then the target, then each re-pointed resource; a preview names the versions
    it would write. `source` and `target` are the two Patients as they are afterwards.
    """

    activity: str  # "merge" | "unmerge"
    provenance_id: str | None  # None for a preview
    source_id: str
    target_id: str
    written: tuple[str, ...]
    source: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    preview: bool = False

    # What the access layer's audit entry names (`run_as_server`).
    @property
    def audit_patients(self) -> tuple[str, ...]:
        return (self.source_id, self.target_id)

    @property
    def audit_entities(self) -> tuple[str, ...]:
        return (f"Provenance/{self.provenance_id}",) if self.provenance_id else ()

    @property
    def audit_description(self) -> str:
        done = "preview" if self.preview else f"{len(self.written)} versions"
        return f"{self.activity} Patient/{self.source_id} → Patient/{self.target_id}: {done}"


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """A merge Provenance read back: who was merged into whom, and what it wrote."""

    provenance_id: str
    source_id: str
    target_id: str
    written: tuple[tuple[str, str, int], ...]  # (type, id, version written by the merge)
    recorded: str


def _activity(code: str) -> dict[str, Any]:
    return {
        "coding": [{"system": LIFECYCLE, "code": code, "display": _DISPLAY[code]}],
        "text": {"merge": "Gộp hồ sơ / Merge", "unmerge": "Tách hồ sơ / Unmerge"}[code],
    }


def _agent(agent: dict[str, Any] | None) -> dict[str, Any]:
    performer = {"coding": [{"system": _PARTICIPANT, "code": "performer"}]}
    return {"type": performer, **(agent or SERVER_AGENT)}


def merge_provenance(
    source_id: str,
    target_id: str,
    pre_versions: tuple[int, int],
    written: Sequence[str],
    agent: dict[str, Any] | None,
) -> dict[str, Any]:
    """The one Provenance of a merge; `pre_versions` are the source's and target's
    versions before it."""
    return {
        "resourceType": "Provenance",
        "target": [{"reference": ref} for ref in written],
        "recorded": clock.fhir_instant(clock.now()),
        "activity": _activity("merge"),
        "agent": [_agent(agent)],
        "entity": [
            {
                "role": "source",
                "what": {"reference": f"Patient/{source_id}/_history/{pre_versions[0]}"},
            },
            {
                "role": "revision",
                "what": {"reference": f"Patient/{target_id}/_history/{pre_versions[1]}"},
            },
        ],
    }


def unmerge_provenance(
    merge_id: str, written: Sequence[str], agent: dict[str, Any] | None
) -> dict[str, Any]:
    """The Provenance of an unmerge: its entity is the merge it reverses, which is also
    how a second unmerge of the same merge is recognised."""
    return {
        "resourceType": "Provenance",
        "target": [{"reference": ref} for ref in written],
        "recorded": clock.fhir_instant(clock.now()),
        "activity": _activity("unmerge"),
        "agent": [_agent(agent)],
        "entity": [{"role": "source", "what": {"reference": f"Provenance/{merge_id}"}}],
    }


def activity_code(provenance: dict[str, Any]) -> str | None:
    for coding in (provenance.get("activity") or {}).get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") == LIFECYCLE:
            code = coding.get("code")
            return code if isinstance(code, str) else None
    return None


def parse_merge_record(provenance_id: str, provenance: dict[str, Any]) -> MergeRecord:
    """Read a merge Provenance back; a Provenance of anything else is refused."""
    not_merge = UnprocessableEntity(
        msg(
            f"Provenance/{provenance_id} không phải bản ghi của một lần gộp hồ sơ",
            f"Provenance/{provenance_id} does not record a patient merge",
        ),
        expression=["Provenance.activity"],
    )
    if activity_code(provenance) != "merge":
        raise not_merge
    roles: dict[str, str] = {}
    for entity in provenance.get("entity") or []:
        parts = str((entity.get("what") or {}).get("reference", "")).split("/")
        if len(parts) == 4 and parts[0] == "Patient" and entity.get("role") in (
            "source",
            "revision",
        ):
            roles[entity["role"]] = parts[1]
    written = []
    for target in provenance.get("target") or []:
        parts = str(target.get("reference", "")).split("/")
        if len(parts) == 4 and parts[2] == "_history" and parts[3].isdigit():
            written.append((parts[0], parts[1], int(parts[3])))
    if "source" not in roles or "revision" not in roles or not written:
        raise not_merge
    return MergeRecord(
        provenance_id,
        roles["source"],
        roles["revision"],
        tuple(written),
        str(provenance.get("recorded", "")),
    )


# -- references --------------------------------------------------------------------------
def reference_paths(node: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every `Reference.reference` string with its path of keys and indexes, contained
    resources included: a contained Observation about the source is about them too."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield (*path, key), value
            else:
                yield from reference_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from reference_paths(item, (*path, i))


_MISSING = object()


def value_at(node: Any, path: Path) -> Any:
    """The value at `path`, or None when the path no longer exists."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None
            node = node[step]
        else:
            if not isinstance(node, dict):
                return None
            node = node.get(step, _MISSING)
            if node is _MISSING:
                return None
    return node


def set_at(node: Any, path: Path, value: str) -> None:
    """Set the (existing) leaf at `path`; the caller read it with `value_at` first."""
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


# -- reading and writing -----------------------------------------------------------------
def replaced_by(patient: dict[str, Any]) -> str | None:
    """Whom this Patient was merged into (its `replaced-by` link), if anyone."""
    for link in patient.get("link") or []:
        if isinstance(link, dict) and link.get("type") == "replaced-by":
            return str((link.get("other") or {}).get("reference", "?"))
    return None


def write_all(uow: Repository, plan: Plan) -> list[StoredResource]:
    """Each change as the next version of what was read: a concurrent change in between
    fails the If-Match (412) and the whole unit of work rolls back."""
    return [
        uow.update(s.resource_type, s.id, content, if_match=s.version).stored
        for s, content in plan
    ]
