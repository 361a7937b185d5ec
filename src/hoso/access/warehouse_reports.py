"""Who may read the warehouse's aggregates (indicator definitions and values, their
MeasureReports, the DHIS2 export, the `/warehouse/` pages), and the audit of each read
(issue 20 points 6 and 7).

- Aggregates only: counts and rates per ward, facility or the city, never a resident;
  read by public-health officers and the operator (the CLI, jobs), as the surveillance
  dashboard (`publichealth_surveillance`) and the programmes' city-wide reports are.
- Every other role (residents, clinicians, stewards, facility systems …) is refused
  with 403 before anything is read: the refusal is the same whatever was asked, so it
  tells nothing about what exists.
- Each read is one audit entry naming the agent, what was read
  (`warehouse/indicator/<code>`, `warehouse/dhis2`) and the query (period, org kind);
  no resident is named, for none is read. A refusal or an error is audited as a
  failure (`repo.guarded`).

The access layer may not import the warehouse (tests/test_import_graph.py): the reads
themselves are the callables the composition roots pass in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from hoso.access import claims as roles
from hoso.access.audit_record import READ
from hoso.core.errors import Forbidden

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["VIEWERS", "WarehouseGate"]

T = TypeVar("T")
VIEWERS = (roles.OFFICER, roles.OPERATOR)


def refused() -> Forbidden:
    return Forbidden("Chỉ cán bộ y tế công cộng được xem kho dữ liệu y tế / Only "
                     "public-health officers may read the health data warehouse")  # fmt: skip


class WarehouseGate:
    """Decides and audits; holds nothing."""

    def check(self, repo: AccessRepository) -> None:
        if repo.principal.role not in VIEWERS:
            raise refused()

    def read(self, repo: AccessRepository, subtype: str, entity: str, fn: Callable[[], T],
             query: str | None = None) -> T:  # fmt: skip
        """`fn()` for an officer or the operator, audited as a read of `entity`
        ("warehouse/indicator/visits", "warehouse/dhis2")."""

        def run() -> T:
            self.check(repo)
            found = fn()
            repo.audit(READ, subtype, entities=(entity,), query=(query or "")[:500] or None)
            return found

        return repo.guarded(READ, subtype, entity, run)
