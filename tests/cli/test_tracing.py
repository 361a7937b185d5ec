"""`hoso tracing snapshot` and `hoso tracing close` as the operator runs them, on SQLite
and PostgreSQL: the follow-up period read from the stored disease definition, the
chains computed and their totals printed, the follow-ups that are over closed."""

from __future__ import annotations

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.publichealth.definitions import packaged_definitions
from hoso.store.publichealth_schema import ph_contact, ph_disease, ph_followup
from hoso.store.sql_store import SqlStore
from tests.cli.conftest import hoso
from tests.publichealth.tracing.world import add_case, day

MEASLES = next(d.document for d in packaged_definitions() if d.code == "measles")


def test_snapshot_and_close(store: SqlStore, database_url: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.insert(ph_disease).values(
            code="measles", version=1, enabled=True, created_by="t", created_at=0,
            # The shipped definition: follow-up 21 days, a visit a day.
            content=jsonx.dumps_str(MEASLES)))  # fmt: skip
        conn.execute(sa.insert(ph_contact).values(
            disease="measles", source_patient="a", target_patient="b",
            first_exposure=day(-40), last_exposure=day(-40), setting="household",
            certainty="high", created_by="t", created_at=0))  # fmt: skip
        conn.execute(sa.insert(ph_followup).values(
            patient_id="b", disease="measles", start_date=day(-39), end_date=day(-19),
            frequency_days=1, status="active", created_at=0))  # fmt: skip
    add_case(store.engine, "a", onset=day(-41))
    made = hoso("tracing", "snapshot", "--disease", "measles", database_url=database_url)
    assert made.returncode == 0, made.stderr
    assert "done" in made.stdout and "chains: 1" in made.stdout and "edges: 1" in made.stdout
    unknown = hoso("tracing", "snapshot", "--disease", "nope", database_url=database_url)
    assert unknown.returncode == 2 and "no definition of disease 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr and "╭" not in unknown.stderr
    closed = hoso("tracing", "close", database_url=database_url)
    assert closed.returncode == 0, closed.stderr
    assert "lost: 1" in closed.stdout  # no visit at all, long past the grace period
