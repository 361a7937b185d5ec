"""Merge one Patient into another and undo it: R5 `$merge` semantics on R4
(https://build.fhir.org/patient-operation-merge.html).

A merge, in one unit of work, through the store's normal write path (a new version per
change, history kept, nothing deleted):

1. the source gets `active: false` and a `replaced-by` link to the target; it is
   written first, so its CCCD stops being current before the target may take it (the
   store keeps current CCCDs unique among active Patients);
2. the target gets a `replaces` link and the source's identifiers it lacks; a source
   CCCD other than the target's current one is copied with `use: old`, so one CCCD
   stays current;
3. every other resource with a reference `Patient/<source>` gets a new version that
   says `Patient/<target>`: found by every reference search parameter that can point
   at a Patient, then re-pointed wherever the reference occurs in it;
4. one Provenance names every version written;
5. the MPI's review queue follows: the pair of the two closes as merged, and other open
   pairs naming the retired source move to the target (`MatchQueue.follow_merge`), so the
   queue never offers a retired record, whoever asked for the merge.

Not re-pointed: Provenance and AuditEvent (accounts of what happened to the source
then, which stay true), versioned references (`Patient/x/_history/n` names that very
version), and references held only in elements no search parameter covers.

`hoso.identity.unmerge` undoes a merge from its Provenance.
"""

from __future__ import annotations

import copy
from typing import Any

from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, UnprocessableEntity
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.fhir.repository import Repository, every_match
from hoso.fhir.searchparams import search_params, supported_types
from hoso.fhir.store import Session
from hoso.identity.cccd import current_cccds
from hoso.identity.merge_record import (
    MergeOutcome,
    Plan,
    merge_provenance,
    msg,
    param_path,
    reference_paths,
    replaced_by,
    set_at,
    write_all,
)
from hoso.identity.unmerge import find_merge, unmerge_patients

__all__ = ["MergeOutcome", "find_merge", "merge_patients", "unmerge_patients"]

# Records of what happened to the source: re-pointing them would rewrite history.
NOT_REPOINTED = frozenset({"Provenance", "AuditEvent"})


def merge_patients(
    session: Session,
    source_id: str,
    target_id: str,
    *,
    preview: bool = False,
    result_patient: dict[str, Any] | None = None,
    agent: dict[str, Any] | None = None,
    cccd_system: str = DEFAULT_CCCD_SYSTEM,
) -> MergeOutcome:
    """Merge Patient `source_id` into `target_id` in `session`, the unit of work the
    access layer's `run_as_server` gives (the server's authority, one audit entry).

    `preview` checks and computes everything and writes nothing. `result_patient` (R5
    `result-patient`) is the target as the caller wants it; without it the target keeps
    its content and gains the source's identifiers. `agent` is the Provenance.agent of
    whoever asked (the server when None).
    """
    if source_id == target_id:
        raise UnprocessableEntity(
            msg(
                f"Không thể gộp Patient/{source_id} vào chính nó",
                f"Cannot merge Patient/{source_id} into itself",
            ),
            expression=[param_path("target-patient")],
        )
    with session.unit_of_work() as uow:
        source, target = uow.read("Patient", source_id), uow.read("Patient", target_id)
        src, tgt = jsonx.loads(source.content), jsonx.loads(target.content)
        _check_mergeable(src, tgt)
        plan: Plan = [
            (source, _retired(src, target_id)),
            (target, _survivor(tgt, src, result_patient, cccd_system)),
            *_repointed(uow, source_id, target_id),
        ]
        if preview:
            upcoming = tuple(f"{s.resource_type}/{s.id}/_history/{s.version + 1}" for s, _ in plan)
            return MergeOutcome(
                "merge", None, source_id, target_id, upcoming, plan[0][1], plan[1][1], True
            )
        stored = write_all(uow, plan)
        written = tuple(s.location for s in stored)
        record = merge_provenance(
            source_id, target_id, (source.version, target.version), written, agent
        )
        provenance = uow.create(record).stored
        by = str(((agent or {}).get("who") or {}).get("display") or "server")
        uow.matches.follow_merge(source_id, target_id, by, clock.now_us())
        return MergeOutcome(
            "merge",
            provenance.id,
            source_id,
            target_id,
            written,
            jsonx.loads(stored[0].content),
            jsonx.loads(stored[1].content),
        )


# -- merge -------------------------------------------------------------------------------
def _check_mergeable(source: dict[str, Any], target: dict[str, Any]) -> None:
    merged_into = replaced_by(source)
    if merged_into is not None:
        raise UnprocessableEntity(
            msg(
                f"Patient/{source['id']} đã được gộp vào {merged_into}",
                f"Patient/{source['id']} has already been merged into {merged_into}",
            ),
            expression=[param_path("source-patient")],
        )
    if target.get("active") is False or replaced_by(target) is not None:
        raise UnprocessableEntity(
            msg(
                f"Patient/{target['id']} không còn hoạt động, không thể gộp vào",
                f"Patient/{target['id']} is inactive and cannot be merged into",
            ),
            expression=[param_path("target-patient")],
        )


def _with_link(patient: dict[str, Any], other: str, link_type: str) -> dict[str, Any]:
    links = list(patient.get("link") or [])
    link = {"other": {"reference": f"Patient/{other}"}, "type": link_type}
    if link not in links:
        links.append(link)
    return {**patient, "link": links}


def _retired(source: dict[str, Any], target_id: str) -> dict[str, Any]:
    return _with_link({**copy.deepcopy(source), "active": False}, target_id, "replaced-by")


def _survivor(
    target: dict[str, Any],
    source: dict[str, Any],
    result_patient: dict[str, Any] | None,
    cccd_system: str,
) -> dict[str, Any]:
    if result_patient is not None:
        if result_patient.get("id") != target["id"]:
            raise InvalidRequest(
                msg(
                    "result-patient phải có id của người bệnh đích",
                    "result-patient must have the target Patient's id",
                ),
                expression=["Patient.id"],
            )
        # The caller chooses the content; the record's meta (labels, author) stays.
        survivor = {k: v for k, v in copy.deepcopy(result_patient).items() if k != "meta"}
        if "meta" in target:
            survivor["meta"] = copy.deepcopy(target["meta"])
    else:
        survivor = copy.deepcopy(target)
        identifiers = _merged_identifiers(target, source, cccd_system)
        if identifiers:
            survivor["identifier"] = identifiers
    return _with_link(survivor, source["id"], "replaces")


def _merged_identifiers(
    target: dict[str, Any], source: dict[str, Any], cccd_system: str
) -> list[dict[str, Any]]:
    """The target's identifiers, then the source's it lacks; a source CCCD still in
    force becomes `use: old` when the target already has a current one."""
    merged = [copy.deepcopy(i) for i in target.get("identifier") or []]
    current = set(current_cccds(target, cccd_system))
    for ident in source.get("identifier") or []:
        if not isinstance(ident, dict) or any(_same_identifier(ident, m) for m in merged):
            continue
        copied = copy.deepcopy(ident)
        if ident.get("system") == cccd_system and current_cccds(
            {"identifier": [ident]}, cccd_system
        ):
            if current:
                copied["use"] = "old"
            else:
                current.add(str(ident.get("value")))
        merged.append(copied)
    return merged


def _same_identifier(a: dict[str, Any], b: Any) -> bool:
    return isinstance(b, dict) and (a.get("system"), a.get("value")) == (
        b.get("system"),
        b.get("value"),
    )


def _patient_reference_params() -> list[tuple[str, str]]:
    """(type, code) of every reference search parameter that may point at a Patient."""
    return [
        (rtype, code)
        for rtype in supported_types()
        if rtype not in NOT_REPOINTED
        for code, param in search_params(rtype).items()
        if param.type == "reference" and "Patient" in param.targets
    ]


def _repointed(uow: Repository, source_id: str, target_id: str) -> Plan:
    """Every other resource referencing the source, with those references re-pointed."""
    source_ref, target_ref = f"Patient/{source_id}", f"Patient/{target_id}"
    found: set[tuple[str, str]] = set()
    for rtype, code in _patient_reference_params():
        hits = every_match(uow, rtype, [(code, source_ref)])
        found.update((h.resource_type, h.id) for h in hits)
    found -= {("Patient", source_id), ("Patient", target_id)}
    plan: Plan = []
    for rtype, rid in sorted(found):
        current = uow.read(rtype, rid)
        content = jsonx.loads(current.content)
        paths = [path for path, ref in reference_paths(content) if ref == source_ref]
        for path in paths:
            set_at(content, path, target_ref)
        if paths:
            plan.append((current, content))
    return plan
