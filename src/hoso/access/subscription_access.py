"""What the Subscription worker (`hoso.exchange.subscriptions`) asks of the records,
through the access layer: which changed resources a facility's own view shows and its
criteria select (a search as that facility's system, audited as its read), and the
server setting a Subscription's status (as the operator, audited)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from hoso.core import jsonx
from hoso.core.errors import FhirError

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["SubscriptionRecords"]


class SubscriptionRecords:
    def __init__(self, operator: AccessRepository,
                 facility_repository: Callable[[str], AccessRepository]) -> None:  # fmt: skip
        self.operator = operator
        self._facility_repository = facility_repository
        self._facilities: dict[str, AccessRepository] = {}

    def _as(self, facility: str) -> AccessRepository:
        if facility not in self._facilities:
            self._facilities[facility] = self._facility_repository(facility)
        return self._facilities[facility]

    def visible_matches(self, facility: str, resource_type: str, criteria: str,
                        ids: Sequence[str]) -> dict[str, str]:  # fmt: skip
        """id → content (as the facility sees it) of those of `ids` its view shows and
        `criteria` selects. Criteria the search refuses select nothing."""
        params = [*parse_qsl(criteria, keep_blank_values=True), ("_id", ",".join(ids)),
                  ("_count", str(len(ids))), ("_total", "none")]  # fmt: skip
        try:
            page = self._as(facility).search(resource_type, params)
        except FhirError:
            return {}
        return {hit.id: hit.content for hit in page.matches}

    def set_status(self, subscription_id: str, version: int, status: str, error: str | None
                   ) -> None:  # fmt: skip
        """Set the status if `version` is still the current one (0: whatever it is)."""
        stored = self.operator.read("Subscription", subscription_id)
        current = jsonx.loads(stored.content)
        if version and stored.version != version:
            return
        if current.get("status") == status and current.get("error") == error:
            return
        updated = {k: v for k, v in current.items() if k not in ("meta", "error")}
        updated["status"] = status
        if error:
            updated["error"] = error
        updated["meta"] = {k: v for k, v in (current.get("meta") or {}).items()
                           if k in ("source", "security", "tag")}  # fmt: skip
        self.operator.update("Subscription", subscription_id, updated)
