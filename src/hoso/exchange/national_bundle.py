"""A batch of changes as one transaction Bundle for the national database.

Each change becomes one entry: a conditional update by its sync key (or `PUT Type/id`),
a deletion a (conditional) DELETE. What is sent is the version the change wrote, with
`meta.source` naming it here (`<base>/fhir/Type/id/_history/v`), which is how an
in-doubt batch is checked after a crash (`hoso.exchange.national_client`). Never sent:
the audit trail and what the server writes about itself (`NEVER_SENT`), and what the
resident refused to share nationally (a Consent denying `national-sharing`, for all
their record or for a labelled category); a reference to something not sent keeps only
a display text. A batch stops before a resource's second change, so that every
version is sent, in order, and no transaction changes one resource twice.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hoso.core import jsonx
from hoso.exchange.sync_keys import SyncKey, sync_key
from hoso.fhir.change_feed import Change
from hoso.fhir.repository import iter_references

__all__ = ["NEVER_SENT", "Outgoing", "plan_batch", "references_of", "transaction"]

NEVER_SENT = frozenset({"AuditEvent", "Provenance", "Subscription"})
WITHHELD = "Không chia sẻ theo lựa chọn của người dân / Not shared, at the resident's choice"
_RELATIVE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/\d+)?$")


@dataclass(frozen=True, slots=True)
class Outgoing:
    change: Change
    key: SyncKey
    entry: dict[str, Any] | None  # None: nothing to send for it (withheld, never sent)
    reason: str = ""  # why nothing is sent


def references_of(change: Change) -> list[str]:
    """The `Type/id` of every relative reference in the change's content."""
    if not change.content or '"reference"' not in change.content:
        return []
    return list(dict.fromkeys(
        f"{m.group(1)}/{m.group(2)}" for _path, ref in iter_references(jsonx.loads(change.content))
        if (m := _RELATIVE.match(ref))
    ))  # fmt: skip


def _labels(resource: dict[str, Any]) -> set[str]:
    meta = resource.get("meta") or {}
    return {s.get("code") for s in meta.get("security") or [] if isinstance(s, dict)} - {None}


class _Planner:
    def __init__(self, batch: Any, cccd_system: str, source_base: str,
                 known: Mapping[str, str]) -> None:  # fmt: skip
        self.batch, self.cccd_system = batch, cccd_system
        self.source_base = source_base.rstrip("/")
        self.sent: dict[tuple[str, str], SyncKey] = {}  # in this Bundle, by our id
        self.known = known  # sync key URL → the receiver's `Type/id`, from its answers

    def withheld(self, change: Change, resource: dict[str, Any]) -> str:
        if change.resource_type in NEVER_SENT:
            return "never-sent"
        refused = self.batch.refusals.get(change.patient_id or "", set())
        if None in refused or _labels(resource) & refused:
            return "consent"
        return ""

    def parse(self, change: Change) -> tuple[dict[str, Any], SyncKey, str]:
        resource = jsonx.loads(change.content) if change.content else {}
        key = sync_key(resource or {"resourceType": change.resource_type, "id": change.id},
                       self.cccd_system)  # fmt: skip
        reason = "" if change.deleted else self.withheld(change, resource)
        return resource, key, reason or ("" if resource else "no-content")

    def plan(self, change: Change, resource: dict[str, Any], key: SyncKey, reason: str
             ) -> Outgoing:  # fmt: skip
        if reason:
            return Outgoing(change, key, None, reason)
        if change.deleted:
            return Outgoing(change, key, {"request": {"method": "DELETE", "url": key.url()}})
        return Outgoing(change, key, self.entry(change, key, resource))

    def entry(self, change: Change, key: SyncKey, resource: dict[str, Any]) -> dict[str, Any]:
        source = f"{self.source_base}/{change.key}"
        meta = {k: v for k, v in (resource.get("meta") or {}).items()
                if k not in ("versionId", "lastUpdated", "source")}  # fmt: skip
        body = {**resource, "meta": {**meta, "source": f"{source}/_history/{change.version}"}}
        if key.conditional:
            body.pop("id", None)
        body = self.rewrite(body)
        entry = {"resource": body, "request": {"method": "PUT", "url": key.url()}}
        if key.conditional:
            entry["fullUrl"] = placeholder(change.resource_type, change.id, self.source_base)
        return entry

    def rewrite(self, node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str) and (m := _RELATIVE.match(ref)):
                return self.reference(node, m.group(1), m.group(2))
            return {k: self.rewrite(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.rewrite(item) for item in node]
        return node

    def reference(self, node: dict[str, Any], rtype: str, id: str) -> dict[str, Any]:
        key = self.sent.get((rtype, id))
        if key is not None:
            url = placeholder(rtype, id, self.source_base) if key.conditional else key.url()
            return {**node, "reference": url}
        target = self.batch.targets.get((rtype, id))
        target_resource = jsonx.loads(target.content) if target and target.content else None
        if (target is None or target.deleted or not target_resource
                or self.withheld(target, target_resource)):  # fmt: skip
            return {k: v for k, v in node.items() if k not in ("reference", "type")} | {
                "display": node.get("display") or WITHHELD}
        url = sync_key(target_resource, self.cccd_system).url()
        # A target the receiver already named in an answer is named by its id there,
        # sparing it a search per reference (a quarter of its time in the profile).
        return {**node, "reference": self.known.get(url, url)}


def placeholder(rtype: str, id: str, source_base: str) -> str:
    """A stable `urn:uuid:` for one of our resources inside one Bundle."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{source_base}/{rtype}/{id}')}"


def _prefix(changes: list[Change], keys: list[SyncKey]) -> int:
    """How many changes one Bundle takes: up to a resource's (or a sync key's) second
    change, and short of any change pointing past that cut (written in one unit of work
    with a later one), so every in-Bundle reference has its target in the Bundle."""
    seen: set[str] = set()
    cut = len(changes)
    for i, (change, key) in enumerate(zip(changes, keys, strict=True)):
        names = {change.key, key.url()}
        if names & seen:
            cut = i
            break
        seen |= names
    position: dict[str, int] = {}  # each resource's first change: what a reference needs
    for i, c in enumerate(changes):
        position.setdefault(c.key, i)
    stable = False
    while not stable:
        stable = True
        for i in range(cut):
            if any(position.get(ref, -1) >= cut for ref in references_of(changes[i])):
                cut, stable = i, False
                break
    return max(cut, 1)


def plan_batch(batch: Any, cccd_system: str, source_base: str,
               known: Mapping[str, str] | None = None) -> list[Outgoing]:  # fmt: skip
    """The batch's first changes as entries (`_prefix`), in feed order; `known` maps
    sync keys to the receiver's ids, as its answers gave them."""
    planner = _Planner(batch, cccd_system, source_base, known or {})
    parsed = [planner.parse(c) for c in batch.changes]
    taken = _prefix(batch.changes, [key for _r, key, _why in parsed]) if parsed else 0
    for change, (_resource, key, reason) in zip(batch.changes[:taken], parsed, strict=False):
        if not reason and not change.deleted:
            planner.sent[(change.resource_type, change.id)] = key
    return [planner.plan(c, *parsed[i]) for i, c in enumerate(batch.changes[:taken])]


def transaction(outgoing: list[Outgoing]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction",
            "entry": [o.entry for o in outgoing if o.entry is not None]}  # fmt: skip
