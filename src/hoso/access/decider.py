"""`PolicyDecider`: the policy (`hoso.access.policy`) applied to one caller for the length
of one request: which interactions they may attempt, the `Visibility` the store compiles
into every statement (computed once per permission and cached), whose records they may
write into, and how what they write is stamped. The access repository, the bulk import
and the bulk export all ask the same decider, so none has a copy of a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.principal import Principal
from hoso.core import clock
from hoso.core.settings import Settings
from hoso.fhir.visibility import Visibility

__all__ = ["PolicyDecider"]

_MINUTE_US = 60_000_000


class PolicyDecider:
    def __init__(
        self,
        principal: Principal,
        settings: Settings,
        break_glass: Callable[[str, int], frozenset[str]],
    ) -> None:
        """`break_glass(agent, now_us)` names the residents a clinician opened with
        break-the-glass; it is asked once, when a clinician's view is first needed."""
        self.principal = principal
        self.settings = settings
        self._break_glass = break_glass
        self._views: dict[str, Visibility] = {}

    def authorize(self, resource_type: str, permission: str) -> None:
        """Refuse an interaction the scopes or the role never allow (403), before any
        data is read."""
        policy.authorize(self.principal, resource_type, permission)

    def visibility(self, permission: str = "r") -> Visibility:
        """What the caller sees, for reading (`r`) or searching (`s`)."""
        if permission not in self._views:
            now = clock.now_us()
            grants: frozenset[str] = frozenset()
            if self.principal.role == roles.CLINICIAN:
                grants = self._break_glass(self.principal.agent, now)
            self._views[permission] = policy.visibility_for(
                self.principal,
                # To the minute, so that one caller's requests share one view and its
                # SQL (hoso.store.sql.visibility): a Consent's period then starts or ends
                # up to a minute late; consent changes and break-the-glass are exact.
                now_us=now - now % _MINUTE_US,
                care_window_days=self.settings.care_window_days,
                break_glass=grants,
                permission=permission,
            )
        return self._views[permission]

    def forget_views(self) -> None:
        """After a break-the-glass grant: this request's later calls see it."""
        self._views.clear()

    def reference_view(self) -> Visibility | None:
        """Where the caller's references, conditional matches and deletes must find a
        record: their reach, whatever their scopes (a lab system with Observation scopes
        only still names the Patient). None for the operator: everything."""
        if self.principal.role in policy.FULL_REACH:
            return None
        return replace(self.visibility(), types=None)

    def write_reach(self) -> Visibility:
        """Whose records the caller may add to (`policy.write_reach`)."""
        return policy.write_reach(self.visibility())

    def whole_record_view(self) -> Visibility:
        """The caller's view without the emergency summary: what changing a record needs."""
        return policy.without_summary(self.visibility())

    def break_glass_patients(self) -> frozenset[str]:
        """The residents this clinician reached by break-the-glass (audit flag)."""
        return self._views.get("r", Visibility()).label_exempt_patients

    @property
    def deidentifies(self) -> bool:
        return self.principal.role == roles.OFFICER

    @property
    def writes_for_anyone(self) -> bool:
        """The operator's writes are checked against no one's reach."""
        return self.principal.role in policy.FULL_REACH

    def stamp(self, resource: dict[str, Any], current_source: str | None = None
              ) -> dict[str, Any]:  # fmt: skip
        """The resource as stored: labelled, and marked with its author."""
        return policy.stamp(self.principal, resource, current_source)

    def check_care_links(self, resource: dict[str, Any]) -> None:
        """A facility may open care relationships only at itself."""
        policy.check_care_links(self.principal, resource)

    def version_hidden(self, content: dict[str, Any], patient_id: str | None,
                       permission: str = "r") -> bool:  # fmt: skip
        """Whether an old version's own labels hide it from the caller."""
        return policy.version_hidden(self.principal, self.visibility(permission), content,
                                     patient_id)  # fmt: skip
