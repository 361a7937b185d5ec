"""The one place that knows which database the store talks to: a `Dialect`, chosen once
from the engine (`dialect_of`) and carried by the store and its sessions. Every other
module asks it instead of testing `engine.dialect.name`.

What differs:
- conditional creates and counters serialise on a key: PostgreSQL takes a
  transaction-scoped advisory lock; SQLite already serialises writers (BEGIN IMMEDIATE);
- a statement past the statement timeout fails as `QueryCanceled` (PostgreSQL) or
  "interrupted" (SQLite's progress handler, `hoso.store.engine`);
- a list of ids travels as one array parameter (PostgreSQL) or one JSON text read by
  `json_each` (SQLite): an expanding `IN` compiles one bind parameter per id;
- bulk rows are copied with `COPY … FROM STDIN (FORMAT csv)` into sequence numbers
  reserved beforehand (PostgreSQL), or inserted with `executemany` numbered from the
  current maximum under the write lock (SQLite);
- the audit chain's writer talks to the driver directly, in each one's own terms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

import sqlalchemy as sa

from hoso.core import jsonx

__all__ = ["Dialect", "dialect_of"]


class Dialect:
    """SQLite, and the base of the others."""

    name = "sqlite"
    copies = False  # whether bulk rows are COPY text (CSV) rather than tuples
    arrays = False  # whether a statement may take array parameters (unnest)
    # Execution options of a read-only unit of work. SQLite reads in a transaction of
    # its own (BEGIN, in process, free).
    read_options: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def lock_keys(self, conn: sa.Connection, keys: Sequence[str]) -> None:
        """Serialise transactions that use any of the same `keys` until they end. SQLite
        holds one write lock for the whole transaction already."""

    def timed_out(self, exc: sa.exc.DBAPIError) -> bool:
        """Whether `exc` is a statement cancelled by the statement timeout."""
        return type(exc.orig).__module__ == "sqlite3" and "interrupted" in str(exc.orig)

    def allow_long_statements(self, conn: sa.Connection) -> None:
        """Lift the statement timeout for the rest of this transaction (a bulk import's
        batch is not one request's lookup); SQLite's deadline is per statement."""

    def in_list(self, column: str, values: Sequence[str]) -> tuple[str, Any]:
        """`column IN (the values)` as SQL text and its one parameter."""
        return f"{column} IN (SELECT value FROM json_each(:values))", jsonx.dumps_str(values)

    def reserve_seqs(self, engine: sa.Engine, count: int) -> list[int] | None:
        """Resource row numbers reserved before the rows exist; SQLite numbers them
        itself when they are written."""
        return None


class PostgresDialect(Dialect):
    name = "postgresql"
    copies = True
    arrays = True
    # At READ COMMITTED each statement sees its own snapshot inside a transaction too,
    # so a read gains nothing from BEGIN and COMMIT but two round trips.
    read_options: ClassVar[Mapping[str, str]] = MappingProxyType({"isolation_level": "AUTOCOMMIT"})

    def lock_keys(self, conn: sa.Connection, keys: Sequence[str]) -> None:
        # One round trip for all the keys, taken in ascending order (the sorted
        # subquery), the same order in every transaction: no deadlock between two.
        digests = sorted({int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(),
                                         "big", signed=True) for k in keys})  # fmt: skip
        if digests:
            conn.execute(sa.text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT unnest(CAST(:ks AS bigint[])) AS k ORDER BY 1) AS ordered"
            ), {"ks": digests})  # fmt: skip

    def timed_out(self, exc: sa.exc.DBAPIError) -> bool:
        return type(exc.orig).__name__ == "QueryCanceled"  # SQLSTATE 57014

    def allow_long_statements(self, conn: sa.Connection) -> None:
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")

    def in_list(self, column: str, values: Sequence[str]) -> tuple[str, Any]:
        return f"{column} = ANY(:values)", list(values)

    def reserve_seqs(self, engine: sa.Engine, count: int) -> list[int] | None:
        # A sequence is not transactional: numbers taken in autocommit stay taken.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            rows = conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('resource', 'seq')) "
                "FROM generate_series(1, %(n)s)",
                {"n": count},
            )
            return [int(r[0]) for r in rows]


SQLITE = Dialect()
POSTGRESQL = PostgresDialect()


def dialect_of(bind: sa.Engine | sa.Connection) -> Dialect:
    return POSTGRESQL if bind.dialect.name == "postgresql" else SQLITE
