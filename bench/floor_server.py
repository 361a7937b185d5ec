"""The floor the access layer is measured against, for `bench.access_cost` only.

    python -m bench.floor_server --database-url URL --port P [--policy-only]

The same app as `hoso serve`, started the same way, with one change: the bearer token is
still verified (authentication stays in both), but handlers get the store itself instead
of the caller's `AccessRepository`, so there is no policy decision, no visibility filter
and no audit entry. With `--policy-only` handlers get the `AccessRepository` and only
the audit append is left out, to tell the two costs apart. Never shipped as a command: a
server without the access layer must not be one flag away in production.
"""

from __future__ import annotations

import argparse
import logging
from concurrent.futures import Future
from typing import Any

import uvicorn

from hoso.access.audit_record import AuditRecord
from hoso.access.principal import Principal
from hoso.api import deps
from hoso.api.app import create_app
from hoso.assembly import open_store
from hoso.fhir.repository import SearchPage, StoredResource
from hoso.store.sql_store import SqlStore


class UnwrittenTrail:
    """Takes audit entries and writes nothing: the policy decision's cost alone."""

    def record(self, entry: AuditRecord) -> None:
        pass

    def submit(self, entry: AuditRecord) -> Future[None]:
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def close(self) -> None:
        pass


class StoreFloor:
    """The records straight from the store, one unit of work per call, as the access
    layer runs them but with no decision, no view and no audit entry (reads only: the
    access-cost bench reads and searches)."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def read(self, resource_type: str, id: str) -> StoredResource:
        with self.store.unit_of_work(write=False) as session:
            return session.read(resource_type, id)

    def search(self, resource_type: str | None, params: list[tuple[str, str]], *,
               lenient: bool | None = False, cursor: str | None = None) -> SearchPage:  # fmt: skip
        with self.store.unit_of_work(write=False) as session:
            return session.search(resource_type, params, lenient=lenient, cursor=cursor)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--policy-only", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    store = open_store(args.database_url)

    def store_itself(_store: SqlStore, principal: Principal, *_args: Any, **_kw: Any
                     ) -> StoreFloor:  # fmt: skip
        assert isinstance(principal, Principal)  # the token was verified and resolved
        return StoreFloor(_store)

    if not args.policy_only:
        # Swapped where `get_repository` builds the repository, not through FastAPI's
        # dependency_overrides: those are re-analysed on every request
        # (inspect.signature), which would slow the floor down and flatter the access layer.
        deps.repository_for = store_itself  # type: ignore[assignment]
    app = create_app(store, store.settings)
    if args.policy_only:
        app.state.audit_trail = UnwrittenTrail()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
