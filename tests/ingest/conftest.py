"""Ingest fixtures: a fresh migrated store on SQLite and PostgreSQL, and NDJSON files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from hoso.core.settings import Settings
from hoso.store import migrate
from hoso.store.engine import make_engine
from hoso.store.sql_store import SqlStore


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield SqlStore(engine, Settings(database_url=database_url))
    engine.dispose()


@pytest.fixture
def second_store(second_database_url: str) -> Iterator[SqlStore]:
    """Another empty store on the same backend as `store`."""
    engine = make_engine(second_database_url)
    migrate.upgrade(engine)
    yield SqlStore(engine, Settings(database_url=second_database_url))
    engine.dispose()


@pytest.fixture
def write_ndjson(tmp_path: Path) -> Callable[[str, list[Any]], Path]:
    """Write resources (dicts, or raw lines as str) to tmp_path/<name>.ndjson."""

    def write(name: str, lines: list[Any]) -> Path:
        path = tmp_path / f"{name}.ndjson"
        with path.open("wb") as f:
            for line in lines:
                f.write(line.encode() if isinstance(line, str) else orjson.dumps(line))
                f.write(b"\n")
        return path

    return write
