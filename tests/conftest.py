"""Shared fixtures: the same tests run on SQLite and on PostgreSQL.

PostgreSQL runs when HOSO_TEST_DATABASE_URL names a server (CI sets it). Every test
gets an empty database as the migrations leave it, from a template that Alembic migrated
once per session: a SQLite file is copied; a PostgreSQL database, cloned from the
template once per worker, is emptied (rows deleted, sequences restarted), so the schema
always comes from the migrations and no test pays for running them.

`store` is the one store fixture: the SQL store with the hooks production plugs in
(`hoso.assembly`). `repo` is the server operator's access repository over it, the
handle tests write and read records through, audited as any other caller's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.repository import AccessRepository
from hoso.assembly import operator_repository, store_hooks
from hoso.core.settings import Settings
from hoso.identity.mpi.model import MatchModel, load_model
from hoso.store import migrate
from hoso.store.engine import make_engine, sqlalchemy_url
from hoso.store.sql_store import SqlAuditLog, SqlStore

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `backend_independent` (HTTP framing, token checks, headers: nothing
    the database decides) need a store to build the app, but not both: they run on
    SQLite only, once, instead of once per backend."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        independent = item.get_closest_marker("backend_independent") is not None
        (dropped if independent and params.get("database_url") == "postgresql" else kept).append(
            item
        )
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


PG_ADMIN_URL = os.environ.get("HOSO_TEST_DATABASE_URL")
# Without a PostgreSQL server the PostgreSQL half of every parametrised test is not
# generated at all (rather than hundreds of SKIPPED lines); the terminal summary says
# in one line that it did not run and how to run it.
BACKENDS = ["sqlite"] + (
    [pytest.param("postgresql", marks=pytest.mark.postgresql)] if PG_ADMIN_URL else []
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not PG_ADMIN_URL:
        terminalreporter.write_line(
            "PostgreSQL: không chạy các bài kiểm thử PostgreSQL; để chạy, đặt / PostgreSQL "
            "tests not run; to run them, set "
            "HOSO_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres"
        )


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


@pytest.fixture(scope="session")
def pg_databases(pg_template: str) -> Iterator[dict[str, sa.Engine]]:
    """Two databases per worker ("first", "second"), cloned from the template once and
    emptied before each test (`_pg_emptied`): a clone and a drop per test cost ~0.4 s
    of the server's time, emptying ~15 ms."""
    admin = _admin_engine()
    names = {role: f"hoso_t_{uuid.uuid4().hex[:12]}" for role in ("first", "second")}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    engines = {role: sa.create_engine(sqlalchemy_url(_pg_url(name)), poolclass=sa.pool.NullPool)
               for role, name in names.items()}  # fmt: skip
    yield engines
    for engine in engines.values():
        engine.dispose()
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _pg_emptied(engine: sa.Engine) -> str:
    """The database as the migrations leave it: every row deleted (foreign keys off for
    the purpose), sequences restarted, the audit chain's genesis head and the change
    feed's counter put back. Whatever a previous test left connected is disconnected
    first."""
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        tables = conn.exec_driver_sql(
            "SELECT quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ).scalars()
        sequences = conn.exec_driver_sql(
            "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'"
        ).scalars()
        statements = [f"DELETE FROM {t}" for t in tables]
        statements += [f"ALTER SEQUENCE {q} RESTART" for q in sequences]
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("; ".join(statements))
        conn.exec_driver_sql(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64)); "
            "INSERT INTO change_counter (name, position) VALUES ('feed', 0)"
        )
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (per xdist worker), copied per test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "hoso.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


def _sqlite_copy(request: pytest.FixtureRequest, target: Path) -> str:
    shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
    return f"sqlite:///{target}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL on each backend."""
    if request.param == "sqlite":
        yield _sqlite_copy(request, tmp_path / "hoso.db")
        return
    yield _pg_emptied(request.getfixturevalue("pg_databases")["first"])


@pytest.fixture
def second_database_url(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[str]:
    """A second, empty, migrated database on the same backend as `database_url` (for
    export → import → export)."""
    if database_url.startswith("sqlite"):
        yield _sqlite_copy(request, tmp_path / "second.db")
        return
    yield _pg_emptied(request.getfixturevalue("pg_databases")["second"])


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The warehouse's snapshots in the test's own folder, never the working copy's var/.
    return Settings(database_url=database_url, warehouse_dir=str(tmp_path / "warehouse"))


@pytest.fixture(scope="session")
def match_model() -> MatchModel:
    """The MPI's shipped model, read once."""
    return load_model()


def _store(settings: Settings, model: MatchModel) -> Iterator[SqlStore]:
    engine = make_engine(settings.database_url)
    yield SqlStore(engine, settings, store_hooks(settings, model))
    engine.dispose()


@pytest.fixture
def store(settings: Settings, match_model: MatchModel) -> Iterator[SqlStore]:
    """The store on a fresh database, with production's hooks (MPI, identifier and
    data-quality rules)."""
    yield from _store(settings, match_model)


@pytest.fixture
def second_store(second_database_url: str, match_model: MatchModel) -> Iterator[SqlStore]:
    """Another empty store on the same backend as `store`."""
    yield from _store(Settings(database_url=second_database_url), match_model)


@pytest.fixture
def engine(store: SqlStore) -> sa.Engine:
    """The store's engine, for tests of the SQL underneath the contract."""
    return store.engine


def operator_of(store: SqlStore) -> Iterator[AccessRepository]:
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    yield operator_repository(store, "tests", trail)
    trail.close()


@pytest.fixture
def repo(store: SqlStore) -> Iterator[AccessRepository]:
    """The operator's access repository over `store` (`operator:tests`, system/*.cruds):
    records written and read through it are decided and audited as in production."""
    yield from operator_of(store)


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
