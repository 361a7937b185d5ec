"""Undo a merge (`hoso.identity.merge`) from its Provenance.

For every version the merge wrote (`Type/id/_history/n`), the unmerge writes a new
version with the content of version `n - 1`, in one unit of work, target Patient first
(it gives back a CCCD the source takes again when reactivated), then the source, then
the re-pointed resources. A resource changed after the merge keeps its later changes:
only the references the merge re-pointed (the paths that said the source before and the
target after) are switched back, and on the two Patients only the elements the merge
changed are reverted, unless changed again since (in `link` and `identifier`, what the
merge added is removed and later additions kept). A resource deleted since stays
deleted; resources first written for the target after the merge stay with it. A second
Provenance, whose entity is the merge's, records the unmerge, which is also how a second
unmerge of the same merge is refused.
"""

from __future__ import annotations

import copy
from typing import Any

from hoso.core import jsonx
from hoso.core.errors import Conflict, ResourceGone, ResourceNotFound
from hoso.fhir.repository import Repository, StoredResource, every_match
from hoso.identity.merge_record import (
    MergeOutcome,
    MergeRecord,
    Plan,
    activity_code,
    msg,
    param_path,
    parse_merge_record,
    reference_paths,
    replaced_by,
    set_at,
    unmerge_provenance,
    value_at,
    write_all,
)

__all__ = ["find_merge", "unmerge_patients"]

_MISSING: Any = object()


def unmerge_patients(
    repo: Repository, provenance_id: str, *, agent: dict[str, Any] | None = None
) -> MergeOutcome:
    """Undo the merge recorded by Provenance `provenance_id`, in one unit of work."""
    with repo.unit_of_work() as uow:
        record = parse_merge_record(
            provenance_id, jsonx.loads(uow.read("Provenance", provenance_id).content)
        )
        _check_not_unmerged(uow, record)
        plan: Plan = []
        for rtype, rid, version in _restore_order(record):
            try:
                current = uow.read(rtype, rid)
            except ResourceGone:
                continue  # deleted since the merge: the deletion is a later change
            content = _restored(uow, record, current, version)
            if _comparable(content) != _comparable(jsonx.loads(current.content)):
                plan.append((current, content))
        stored = write_all(uow, plan)
        written = tuple(s.location for s in stored)
        provenance = uow.create(unmerge_provenance(provenance_id, written, agent)).stored
        return MergeOutcome(
            "unmerge",
            provenance.id,
            record.source_id,
            record.target_id,
            written,
            jsonx.loads(uow.read("Patient", record.source_id).content),
            jsonx.loads(uow.read("Patient", record.target_id).content),
        )


def find_merge(repo: Repository, source_id: str, target_id: str) -> str:
    """The id of the latest merge Provenance of `source_id` into `target_id`."""
    records: list[MergeRecord] = []
    for hit in every_match(repo, "Provenance", [("target", f"Patient/{source_id}")]):
        content = jsonx.loads(hit.content)
        if activity_code(content) == "merge":
            record = parse_merge_record(hit.id, content)
            if (record.source_id, record.target_id) == (source_id, target_id):
                records.append(record)
    if not records:
        raise ResourceNotFound(
            msg(
                f"Không có lần gộp Patient/{source_id} vào Patient/{target_id}",
                f"No merge of Patient/{source_id} into Patient/{target_id} was found",
            )
        )
    return max(records, key=lambda r: r.recorded).provenance_id


# -- unmerge -----------------------------------------------------------------------------
def _check_not_unmerged(uow: Repository, record: MergeRecord) -> None:
    reversal = [("entity", f"Provenance/{record.provenance_id}")]
    if any(
        activity_code(jsonx.loads(h.content)) == "unmerge"
        for h in every_match(uow, "Provenance", reversal)
    ):
        raise Conflict(
            msg(
                f"Lần gộp Provenance/{record.provenance_id} đã được tách trước đó",
                f"The merge Provenance/{record.provenance_id} has already been undone",
            ),
            expression=[param_path("provenance")],
        )
    target = jsonx.loads(uow.read("Patient", record.target_id).content)
    merged_into = replaced_by(target)
    if merged_into is not None:
        raise Conflict(
            msg(
                f"Patient/{record.target_id} đã được gộp tiếp vào {merged_into}; "
                "hãy tách lần gộp đó trước",
                f"Patient/{record.target_id} has since been merged into {merged_into}; "
                "undo that merge first",
            ),
            expression=[param_path("provenance")],
        )


def _restore_order(record: MergeRecord) -> list[tuple[str, str, int]]:
    """The target first: it gives back a CCCD the source takes again when reactivated."""
    patients = {("Patient", record.target_id): 0, ("Patient", record.source_id): 1}
    return sorted(record.written, key=lambda w: patients.get((w[0], w[1]), 2))


def _restored(
    uow: Repository, record: MergeRecord, current: StoredResource, version: int
) -> dict[str, Any]:
    """The pre-merge content, or for a resource changed since, its current content with
    what the merge did taken back out."""
    rtype, rid = current.resource_type, current.id
    before = jsonx.loads(uow.vread(rtype, rid, version - 1).content)
    if current.version == version:
        return before
    after = jsonx.loads(uow.vread(rtype, rid, version).content)
    now = jsonx.loads(current.content)
    if rtype == "Patient" and rid in (record.source_id, record.target_id):
        return _undo_patient(before, after, now)
    return _undo_references(before, after, now, record)


def _undo_references(
    before: dict[str, Any], after: dict[str, Any], now: dict[str, Any], record: MergeRecord
) -> dict[str, Any]:
    source_ref, target_ref = f"Patient/{record.source_id}", f"Patient/{record.target_id}"
    moved = [
        path
        for path, ref in reference_paths(after)
        if ref == target_ref and value_at(before, path) == source_ref
    ]
    out = copy.deepcopy(now)
    for path in moved:
        if value_at(out, path) == target_ref:
            set_at(out, path, source_ref)
    return out


def _undo_patient(
    before: dict[str, Any], after: dict[str, Any], now: dict[str, Any]
) -> dict[str, Any]:
    """Revert each element the merge changed, unless it has changed again since; in
    lists (link, identifier) remove what the merge added and keep later additions."""
    out = copy.deepcopy(now)
    for key in sorted(set(before) | set(after)):
        was, became = before.get(key, _MISSING), after.get(key, _MISSING)
        if key in ("resourceType", "id", "meta") or was == became:
            continue
        current = now.get(key, _MISSING)
        if current == became:
            restored = was
        elif isinstance(current, list) and isinstance(became, list):
            old = was if isinstance(was, list) else []
            added = [x for x in became if x not in old]
            removed = [x for x in old if x not in became]
            restored = [x for x in current if x not in added] + [
                x for x in removed if x not in current
            ]
        else:
            continue  # changed again after the merge: the later value stands
        if restored is _MISSING or restored == []:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(restored)
    return out


def _comparable(resource: dict[str, Any]) -> dict[str, Any]:
    """The content that counts: all but the version stamps the store sets."""
    meta = {k: v for k, v in (resource.get("meta") or {}).items()
            if k not in ("versionId", "lastUpdated")}  # fmt: skip
    out = {k: v for k, v in resource.items() if k != "meta"}
    return {**out, "meta": meta} if meta else out
