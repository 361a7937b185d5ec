"""The warehouse's builds through the access layer (issue 20 point 2).

Only the server's operator builds (`hoso warehouse build`, run on the server's machine):
a build reads every record. A full build is one audited whole-store read per table (as
the data-quality batch); an incremental one reads the change feed as the consumer
`warehouse` (each batch audited with the residents it names, as every feed consumer's)
and, for residents whose Patient changed, their records (audited naming them). The
feed cursor is moved once a build is published, so `hoso sync status`-style stats show
how far the warehouse is behind.

De-identified by default: ids leave as the store's pseudonyms (`deidentify.pseudonym`,
the key of the officers' de-identified reads). An identified extract keeps real ids;
it is allowed to the operator only, with a stated reason, and audited as a disclosure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import EXECUTE, READ
from hoso.access.deidentify import pseudonym
from hoso.access.feed_access import ConsumerFeed
from hoso.access.publichealth_cases import CaseAccess
from hoso.core.errors import InvalidRequest
from hoso.fhir.change_feed import Change
from hoso.fhir.store import BulkRow

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["CONSUMER", "WarehouseSource"]

CONSUMER = "warehouse"
CASE_PAGE = 1000
LEASE_US = 600_000_000  # a build holds the cursor for up to 10 minutes between moves
PURPOSE = "kho dữ liệu / warehouse"


class WarehouseSource:
    def __init__(self, repo: AccessRepository, types: Sequence[str],
                 cases: CaseAccess | None = None) -> None:  # fmt: skip
        if repo.principal.role != roles.OPERATOR:
            raise policy.denied(repo.principal.role,
                                "dựng kho dữ liệu / build the warehouse")  # fmt: skip
        self.repo = repo
        self.types = tuple(types)
        self.feed = ConsumerFeed(repo, CONSUMER)
        self.case_access = cases
        self.owner = f"warehouse-build:{os.getpid()}"

    # -- what leaves the store --------------------------------------------------------------
    def pseudonymiser(self, identified: bool = False, reason: str | None = None
                      ) -> Callable[[str], str] | None:  # fmt: skip
        """The id mapping of this build: pseudonyms, or None (real ids) for an identified
        extract, which needs a reason and is audited as a disclosure."""
        if not identified:
            key = self.repo.pseudonym_key
            return lambda value: pseudonym(value, key)
        if not reason or len(reason.strip()) < 10:
            raise InvalidRequest(
                "Trích xuất có định danh cần nêu lý do (ít nhất 10 ký tự) / "
                "An identified extract needs a stated reason (10 characters or more)"
            )
        self.repo.audit(EXECUTE, "disclose", entities=("warehouse:identified",),
                        description=f"{PURPOSE}: trích xuất có định danh / identified "
                                    f"extract: {reason.strip()[:300]}")  # fmt: skip
        return None

    # -- BuildSource ----------------------------------------------------------------------
    def head(self) -> int:
        return self.feed.stats().head

    def everything(self, types: Sequence[str]) -> Iterator[BulkRow]:
        # Pages of 5,000: a build streams millions of rows, a page is one short read.
        return self.repo.whole_store(types, f"{PURPOSE}: dựng toàn bộ / full build",
                                     batch=5000)  # fmt: skip

    def changes(self, after: int, limit: int) -> list[Change]:
        batch = self.feed.batch(after, limit, lambda _c: (), types=self.types)
        return list(batch.changes)

    def records(self, patient_ids: Sequence[str], types: Sequence[str]) -> Iterator[BulkRow]:
        from hoso.access.bulk_access import stream  # the same paged read as `$export`

        self.repo.audit(READ, "search-system", patients=tuple(patient_ids),
                        description=f"{PURPOSE}: hồ sơ đổi phường / re-placed records")  # fmt: skip
        return stream(self.repo, types, patients=patient_ids,
                      visibility=self.repo.decider.visibility())  # fmt: skip

    def updated_since(self, types: Sequence[str], since_us: int) -> Iterator[BulkRow]:
        from hoso.access.bulk_access import stream

        self.repo.guarded(READ, "search-system", "*",
                          lambda: self.repo.decider.authorize("*", "r"))  # fmt: skip
        described = f"{PURPOSE}: cập nhật từ / updated since {since_us}"
        self.repo.audit(READ, "search-system", entities=list(types), description=described)
        return stream(self.repo, types, since_us=since_us,
                      visibility=self.repo.decider.visibility())  # fmt: skip

    def cases(self) -> Iterator[Any]:
        """The surveillance register's case reports, a page at a time (each page audited
        with the residents it names, by `CaseAccess`)."""
        if self.case_access is None:
            return
        offset = 0
        while True:
            page, _mine, _all = self.case_access.cases(offset=offset, limit=CASE_PAGE)
            yield from page
            if len(page) < CASE_PAGE:
                return
            offset += CASE_PAGE

    def built(self, position: int) -> None:
        """Move the consumer's cursor to what the published build holds."""
        if self.feed.lease(self.owner, LEASE_US, steal=self.owner) is None:
            return  # another build holds it; its own publish moves it
        try:
            self.feed.advance(self.owner, position, lease_us=LEASE_US, sent=0, rate=0.0)
        finally:
            self.feed.release(self.owner)
