"""Who may run SQL over the warehouse, and the audit of it (issue 20 point 2).

Public-health officers (the endpoint `/api/warehouse/sql`) and the server's operator
(`hoso warehouse query`) query the de-identified warehouse; nobody else. Each query is
audited with its text (what was asked is the record of the access; the answers are
aggregates and pseudonyms). A snapshot holding real ids (an identified extract) is the
operator's only: an officer gets the same refusal as for no warehouse at all, so the
answer does not tell them such an extract exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import EXECUTE, MINOR_FAILURE
from hoso.core.errors import InvalidRequest, ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["QUERY_ROLES", "Execute", "WarehouseQueries"]

# The query itself, supplied by the composition root (`hoso.warehouse.query.run_query`
# over the current snapshot): (sql, whether an identified snapshot may be read) → a
# result with `rows` and `truncated`; LookupError when there is no snapshot to read,
# ValueError when the query is refused (its message says why).
Execute = Callable[[str, bool], Any]

QUERY_ROLES = (roles.OFFICER, roles.OPERATOR)
ENTITY = "warehouse:sql"


class WarehouseQueries:
    def __init__(self, repo: AccessRepository, execute: Execute) -> None:
        self.repo = repo
        self.execute = execute

    def run(self, sql: str) -> Any:
        role = self.repo.principal.role
        if role not in QUERY_ROLES:
            raise policy.denied(role, "truy vấn kho dữ liệu / query the warehouse")
        text = sql if isinstance(sql, str) else ""
        try:
            result = self.execute(text, role == roles.OPERATOR)
        except LookupError:
            self._audit(text, "refused: no warehouse", failed=True)
            raise ResourceNotFound("Kho dữ liệu chưa được dựng / The warehouse has not been built"
                           ) from None  # fmt: skip
        except ValueError as exc:
            self._audit(text, f"refused: {exc}", failed=True)
            raise InvalidRequest(str(exc)) from None
        self._audit(text, f"{len(result.rows)} rows{' (truncated)' if result.truncated else ''}")
        return result

    def _audit(self, sql: str, outcome: str, *, failed: bool = False) -> None:
        extra = {"outcome": MINOR_FAILURE} if failed else {}
        self.repo.audit(EXECUTE, "warehouse-query", entities=(ENTITY,), query=sql[:4000],
                        description=outcome[:300], **extra)  # fmt: skip
