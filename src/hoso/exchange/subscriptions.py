"""Facilities' R4 Subscriptions (rest-hook): each change to a resource the facility may
read and its criteria select, delivered once, in order.

A facility's system creates a `Subscription` (status `requested`, `criteria` such as
`Observation?patient=Patient/123`, `channel.type` `rest-hook`, an `endpoint` under one
of `HOSO_SUBSCRIPTION_ENDPOINTS`, optional `payload` and `header`). The worker reads
Subscription changes from the change feed (consumer `subscriptions`): a valid one is
made `active` with its own cursor starting at the feed's head, an invalid one `error`
with the reason; `off` or deleted stops it. For an active one it reads the feed after
its cursor (that resource type only), asks which of the changed resources the
facility's own view shows and the criteria select (a search as that facility,
audited), and notifies: with a payload, `PUT <endpoint>/<Type>/<id>` with the resource
as the facility sees it; without, a `POST <endpoint>` with no body. The cursor moves
after each delivery, so each change is delivered once. The endpoint down (unreachable,
408/429/5xx): the same change again after a backoff. Refused (other 4xx): the
Subscription goes to `error` with the answer, as R4 says. Deletions are not notified.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

import httpx

from hoso.core import jsonx
from hoso.exchange.national_sync import Backoff, Batch, worker_name
from hoso.fhir.care_links import FACILITY_SOURCE_PREFIX
from hoso.fhir.change_feed import Change

__all__ = ["REGISTRY", "Subscriber", "SubscriptionWorker", "parse_subscription"]

log = logging.getLogger(__name__)
REGISTRY = "subscriptions"  # the consumer reading Subscription changes
LEASE_US = 60_000_000


class Feed(Protocol):
    def lease(self, owner: str, lease_us: int, *, from_head: bool = False,
              steal: str | None = None) -> int | None: ...  # fmt: skip
    def advance(self, owner: str, position: int, *, lease_us: int, sent: int, rate: float
                ) -> None: ...  # fmt: skip
    def note_failure(self, owner: str, error: str | None) -> None: ...
    def batch(self, position: int, limit: int, references: Callable[[Change], Sequence[str]],
              types: Sequence[str] | None = None) -> Batch: ...  # fmt: skip


class Records(Protocol):
    """What the worker needs of the records (the composition root gives the access
    layer's): the facility's view, and the server setting a Subscription's status."""

    def visible_matches(self, facility: str, resource_type: str, criteria: str,
                        ids: Sequence[str]) -> dict[str, str]: ...  # fmt: skip
    def set_status(self, subscription_id: str, version: int, status: str, error: str | None
                   ) -> None:  # fmt: skip
        """Set it, if `version` is still its current one (a replayed change is not)."""
        ...


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: str
    facility: str
    resource_type: str
    criteria: str  # the query after `?` ("" for every resource of the type)
    endpoint: str
    payload: bool
    headers: dict[str, str] = field(default_factory=dict)


def parse_subscription(resource: dict[str, Any], allowed: Sequence[str]) -> Subscriber:
    """The Subscription as something to deliver to; ValueError (Vietnamese / English)
    names what makes it unusable."""
    source = str((resource.get("meta") or {}).get("source") or "")
    if not source.startswith(FACILITY_SOURCE_PREFIX):
        raise ValueError("Chỉ hệ thống của cơ sở y tế được đăng ký / Only a facility's "
                         "system may subscribe")  # fmt: skip
    channel = resource.get("channel") or {}
    if channel.get("type") != "rest-hook":
        raise ValueError("Chỉ hỗ trợ kênh rest-hook / Only the rest-hook channel is supported")
    endpoint = str(channel.get("endpoint") or "")
    if not endpoint or not any(endpoint.startswith(prefix) for prefix in allowed):
        raise ValueError("Địa chỉ nhận không nằm trong danh sách cho phép "
                         "(HOSO_SUBSCRIPTION_ENDPOINTS) / The endpoint is not under an "
                         "allowed prefix (HOSO_SUBSCRIPTION_ENDPOINTS)")  # fmt: skip
    rtype, _, query = str(resource.get("criteria") or "").partition("?")
    if not rtype.isalpha() or not rtype[:1].isupper():
        raise ValueError("criteria phải là Loại?tham-số / criteria must be Type?parameters")
    headers = {}
    for line in channel.get("header") or []:
        name, _, value = str(line).partition(":")
        if name.strip() and value.strip() and not {"\n", "\r"} & set(str(line)):
            headers[name.strip()] = value.strip()
    payload = channel.get("payload")
    if payload not in (None, "application/fhir+json", "application/json"):
        raise ValueError("payload phải là application/fhir+json / payload must be "
                         "application/fhir+json")  # fmt: skip
    parse_qsl(query, strict_parsing=bool(query))  # raises ValueError when malformed
    return Subscriber(str(resource["id"]), source[len(FACILITY_SOURCE_PREFIX):], rtype, query,
                      endpoint.rstrip("/"), payload is not None, headers)  # fmt: skip


class Undeliverable(Exception):
    """The endpoint refused the notification (4xx other than 408/429)."""


class EndpointDown(Exception):
    """Unreachable, timed out, 408/429/5xx: try again later."""


@dataclass
class SubscriptionWorker:
    feeds: Callable[[str], Feed]
    records: Records
    allowed: Sequence[str]
    http: httpx.Client
    backoff: Backoff = field(default_factory=Backoff)
    owner: str = ""
    batch_size: int = 100
    active: dict[str, Subscriber] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.owner = self.owner or worker_name()
        self.failures = 0
        self.delivered = 0
        # Each worker reads every Subscription change from the start of the feed, which
        # rebuilds `active` after a restart; replaying one is harmless (a cursor that
        # exists is kept, only `requested` is turned `active`).
        self._registry_position = 0

    def run(self, stop: threading.Event, *, until_idle: bool = False, idle: float = 1.0
            ) -> None:  # fmt: skip
        while not stop.is_set():
            try:
                done = self.step()
            except EndpointDown as exc:
                self.failures += 1
                log.warning("subscription delivery failed (%d): %s", self.failures, exc)
                stop.wait(self.backoff.delay(self.failures))
                continue
            except Exception:
                if until_idle:
                    raise
                log.exception("subscriptions: step failed")  # our store down: keep trying
                self.failures += 1
                stop.wait(self.backoff.delay(self.failures))
                continue
            self.failures = 0
            if done == 0:
                if until_idle:
                    return
                stop.wait(idle)

    def step(self) -> int:
        """Take Subscription changes, then deliver for each active one; how many changes
        were handled."""
        handled = self._registry()
        for subscriber in list(self.active.values()):
            handled += self._deliver(subscriber)
        return handled

    def _registry(self) -> int:
        feed = self.feeds(REGISTRY)
        if feed.lease(self.owner, LEASE_US) is None:  # another worker delivers
            self.active.clear()
            return 0
        batch = feed.batch(self._registry_position, self.batch_size, lambda _c: [],
                           types=["Subscription"])  # fmt: skip
        for change in batch.changes:
            self._subscription_changed(change)
        if batch.changes:
            self._registry_position = batch.changes[-1].position
            feed.advance(self.owner, self._registry_position, lease_us=LEASE_US,
                         sent=len(batch.changes), rate=0.0)  # fmt: skip
        return len(batch.changes)

    def _subscription_changed(self, change: Change) -> None:
        resource = jsonx.loads(change.content) if change.content else {}
        status = resource.get("status")
        if change.deleted or status not in ("requested", "active"):
            self.active.pop(change.id, None)
            return
        try:
            subscriber = parse_subscription(resource, self.allowed)
        except ValueError as exc:
            self.active.pop(change.id, None)
            self.records.set_status(change.id, change.version, "error", str(exc))
            return
        if change.id not in self.active:
            # Its cursor starts at the feed's head: changes from now on.
            self.feeds(f"subscription/{change.id}").lease(self.owner, LEASE_US, from_head=True)
        self.active[change.id] = subscriber
        if status == "requested":
            self.records.set_status(change.id, change.version, "active", None)

    def _deliver(self, subscriber: Subscriber) -> int:
        feed = self.feeds(f"subscription/{subscriber.id}")
        position = feed.lease(self.owner, LEASE_US, from_head=True)
        if position is None:
            return 0
        batch = feed.batch(position, self.batch_size, lambda _c: [],
                           types=[subscriber.resource_type])  # fmt: skip
        live = [c.id for c in batch.changes if not c.deleted]
        shown = self.records.visible_matches(subscriber.facility, subscriber.resource_type,
                                             subscriber.criteria, live) if live else {}
        for change in batch.changes:
            content = shown.get(change.id) if not change.deleted else None
            if content is not None:
                try:
                    self._notify(subscriber, change, content)
                except EndpointDown as exc:
                    feed.note_failure(self.owner, str(exc))
                    raise
                except Undeliverable as exc:
                    self.records.set_status(subscriber.id, 0, "error", str(exc))
                    self.active.pop(subscriber.id, None)
                    return 0
                self.delivered += 1
            feed.advance(self.owner, change.position, lease_us=LEASE_US,
                         sent=1 if content is not None else 0, rate=0.0)  # fmt: skip
        return len(batch.changes)

    def _notify(self, subscriber: Subscriber, change: Change, content: str) -> None:
        headers = dict(subscriber.headers)
        try:
            if subscriber.payload:
                headers["Content-Type"] = "application/fhir+json"
                answer = self.http.put(f"{subscriber.endpoint}/{change.resource_type}/{change.id}",
                                       content=content.encode(), headers=headers)  # fmt: skip
            else:
                answer = self.http.post(subscriber.endpoint, headers=headers)
        except httpx.HTTPError as exc:
            raise EndpointDown(f"{type(exc).__name__}: {exc}") from exc
        if answer.status_code in (408, 429) or answer.status_code >= 500:
            raise EndpointDown(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise Undeliverable(f"Địa chỉ nhận từ chối / The endpoint refused: HTTP "
                                f"{answer.status_code} {answer.text[:200]}")  # fmt: skip
