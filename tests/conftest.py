"""Shared fixtures: the same tests run on SQLite and on PostgreSQL.

PostgreSQL runs when HOSO_TEST_DATABASE_URL names a server (CI sets it); every test
gets a fresh database cloned from a template that Alembic migrated once per session,
so the schema always comes from the migrations.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hoso.core.settings import Settings
from hoso.store import migrate
from hoso.store.engine import make_engine, sqlalchemy_url
from hoso.store.sql_store import SqlStore

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("HOSO_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def _admin_engine() -> sa.Engine:
    assert PG_ADMIN_URL
    return sa.create_engine(sqlalchemy_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


def _pg_url(database: str) -> str:
    return (
        sa.make_url(sqlalchemy_url(PG_ADMIN_URL or ""))
        .set(database=database)
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_ADMIN_URL:
        pytest.skip("HOSO_TEST_DATABASE_URL not set: PostgreSQL run only in CI or on request")
    name = f"hoso_tmpl_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_pg_url(name))
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _pg_clone(template: str) -> Iterator[str]:
    """A PostgreSQL database cloned from the migrated template, dropped afterwards."""
    name = f"hoso_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hoso.db'}"
        return
    yield from _pg_clone(request.getfixturevalue("pg_template"))


@pytest.fixture
def second_database_url(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[str]:
    """A second, empty, migrated database on the same backend as `database_url` (for
    export → import → export); SQLite files are migrated when first opened."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    yield from _pg_clone(request.getfixturevalue("pg_template"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def store(settings: Settings) -> Iterator[SqlStore]:
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    yield SqlStore(engine, settings)
    engine.dispose()


@pytest.fixture(scope="session")
def fhir_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official R4 examples (npm package hl7.fhir.r4.examples 4.0.1), unpacked."""
    archive = Path(
        os.environ.get("HOSO_FHIR_EXAMPLES", ROOT / ".cache/fhir/hl7.fhir.r4.examples-4.0.1.tgz")
    )
    if not archive.is_file():
        archive.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", "--silent", "hl7.fhir.r4.examples@4.0.1"],
            cwd=archive.parent,
            check=True,
            capture_output=True,
        )
    target = tmp_path_factory.mktemp("fhir-examples")
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / "package"
