"""Who may see the surveillance dashboard and act on its signals and foci, and the audit
of each call (issue 18 points 3, 6, 7).

- Aggregates only: counts, rates, alarms, foci by ward — no person, no Patient id. Read
  by public-health officers and the operator (CLI, jobs); every other role is refused
  with 403 (refusing reveals nothing: the pages exist for every officer alike).
- Small counts: a ward's 1–4 cases are exact only for the officers who answer for that
  ward (ph_officer_ward) and for the operator; other officers see "<5"
  (`SurveillanceViewer.exact_wards`; docs/surveillance-dashboard.md).
- Acting (verify, dismiss, focus, reports, denominators) is the officers' and the
  operator's; each read and each act is one audit entry naming the agent and the
  signal or focus; a refusal or an error is audited as a failure (`repo.guarded`).
- An id that is not there answers 404, the same for every caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from hoso.access import claims as roles
from hoso.access.audit_record import READ
from hoso.core.errors import Forbidden

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["OfficerWards", "SurveillanceGate", "SurveillanceViewer"]

T = TypeVar("T")
VIEWERS = (roles.OFFICER, roles.OPERATOR)


class OfficerWards(Protocol):
    """The wards an officer answers for (`SqlSurveillance.wards_of_officer`)."""

    def wards_of_officer(self, officer: str) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class SurveillanceViewer:
    agent: str
    role: str
    exact_wards: frozenset[str] | None  # None: every ward exact (the operator)


def _refused() -> Forbidden:
    return Forbidden("Chỉ cán bộ y tế dự phòng được xem giám sát dịch / Only public-health "
                     "officers may see disease surveillance")  # fmt: skip


class SurveillanceGate:
    def __init__(self, wards: OfficerWards) -> None:
        self._wards = wards

    def viewer(self, repo: AccessRepository) -> SurveillanceViewer:
        principal = repo.principal
        if principal.role not in VIEWERS:
            raise _refused()
        exact = None if principal.role == roles.OPERATOR else \
            self._wards.wards_of_officer(principal.agent)  # fmt: skip
        return SurveillanceViewer(principal.agent, principal.role, exact)

    def read(self, repo: AccessRepository, subtype: str, entity: str,
             fn: Callable[[SurveillanceViewer], T], query: str | None = None) -> T:  # fmt: skip
        """`fn(viewer)` for an officer or the operator, audited as a read of `entity`
        ("ph_signal", "ph_focus/12", "surveillance/dengue")."""

        def run() -> T:
            found = fn(self.viewer(repo))
            repo.audit(READ, subtype, entities=(entity,), query=query)
            return found

        return repo.guarded(READ, subtype, entity, run)

    def act(self, repo: AccessRepository, action: str, subtype: str, entity: str,
            fn: Callable[[SurveillanceViewer], T],
            describe: Callable[[T], str] = lambda _: "") -> T:  # fmt: skip
        """`fn(viewer)` changing something (a decision, a focus, a report, denominators),
        audited with `action` (CREATE, UPDATE, EXECUTE) once it is done."""

        def run() -> T:
            done = fn(self.viewer(repo))
            repo.audit(action, subtype, entities=(entity,), description=describe(done)[:500])
            return done

        return repo.guarded(action, subtype, entity, run)
