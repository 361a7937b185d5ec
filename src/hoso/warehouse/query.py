"""Analysts' SQL over the warehouse: one read-only statement, a row limit and a time limit.

The statement runs in a fresh in-memory DuckDB whose only tables are views over the
current snapshot. Before it runs, the connection loses every way out: no file outside the
snapshot (`allowed_directories`, `enable_external_access = false`), no extension install,
no ATTACH, and the configuration is locked so the statement cannot undo it. Only a single
SELECT is accepted (DuckDB's own parser says which kind of statement it is): COPY, which
could write inside the allowed folder, CREATE, INSERT, PRAGMA, SET are refused. A query
that runs too long is interrupted; at most `limit` rows come back, with a flag when more
existed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from hoso.warehouse.engine import duckdb_views
from hoso.warehouse.snapshots import Snapshot, Warehouse, offline_duckdb

__all__ = ["MAX_SQL", "QueryRefused", "QueryResult", "run_query", "snapshot_query"]

MAX_SQL = 20_000  # characters: an analyst's query, not a data dump


class QueryRefused(ValueError):
    """Not a query this service runs (message Vietnamese first, then English)."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool  # more rows than the limit existed
    seconds: float


def run_query(snapshot: Snapshot, sql: str, *, limit: int = 1000, timeout: float = 30.0,
              memory: str = "1GB", threads: int = 2) -> QueryResult:  # fmt: skip
    if not isinstance(sql, str) or not sql.strip():
        raise QueryRefused("Câu truy vấn trống / The query is empty")
    if len(sql) > MAX_SQL:
        raise QueryRefused(f"Câu truy vấn dài quá {MAX_SQL} ký tự / "
                           f"The query is longer than {MAX_SQL} characters")  # fmt: skip
    db = duckdb_views(snapshot, offline_duckdb())
    try:
        _lock_down(db, snapshot, memory, threads)
        statement = _single_select(db, sql)
        return _execute(db, statement, limit, timeout)
    finally:
        db.close()


def _lock_down(db: duckdb.DuckDBPyConnection, snapshot: Snapshot, memory: str,
               threads: int) -> None:  # fmt: skip
    folder = str(snapshot.root).replace("'", "''")
    db.execute(f"SET allowed_directories = ['{folder}/']")
    db.execute("SET enable_external_access = false")
    db.execute(f"SET memory_limit = '{memory}'")
    db.execute(f"SET threads = {int(threads)}")
    db.execute("SET lock_configuration = true")


def _single_select(db: duckdb.DuckDBPyConnection, sql: str) -> str:
    try:
        statements = db.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"Câu truy vấn sai cú pháp / Syntax error: {_first_line(exc)}"
                           ) from None  # fmt: skip
    if len(statements) != 1:
        raise QueryRefused("Chỉ chạy một câu lệnh mỗi lần / One statement at a time")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise QueryRefused("Chỉ được đọc (SELECT) / Read only: SELECT statements only")
    return statement.query


def _execute(db: duckdb.DuckDBPyConnection, sql: str, limit: int, timeout: float
             ) -> QueryResult:  # fmt: skip
    import time

    timer = threading.Timer(timeout, db.interrupt)
    started = time.monotonic()
    timer.start()
    try:
        cursor = db.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchmany(limit + 1)
    except duckdb.InterruptException:
        raise QueryRefused(f"Truy vấn chạy quá {timeout:g} giây, đã dừng / "
                           f"The query ran longer than {timeout:g} s and was stopped"
                           ) from None  # fmt: skip
    except duckdb.Error as exc:
        raise QueryRefused(f"Truy vấn lỗi / Query failed: {_first_line(exc)}") from None
    finally:
        timer.cancel()
    return QueryResult(columns, rows[:limit], len(rows) > limit, time.monotonic() - started)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def snapshot_query(root: Path | str, *, limit: int = 1000, timeout: float = 30.0
                   ) -> Callable[[str, bool], QueryResult]:  # fmt: skip
    """The query over the warehouse's current snapshot, as the access layer's
    `WarehouseQueries` calls it: LookupError when there is none, or when it holds real
    ids and the caller may not read them; QueryRefused (a ValueError) for a bad query."""

    def execute(sql: str, identified_allowed: bool) -> QueryResult:
        snapshot = Warehouse(Path(root)).current()
        if snapshot is None or (snapshot.identified and not identified_allowed):
            raise LookupError("no warehouse snapshot")
        return run_query(snapshot, sql, limit=limit, timeout=timeout)

    return execute
