"""The daily public-health jobs as `hoso serve` runs them, on SQLite and PostgreSQL: once
when started, not again the same day; the detection's signals and the follow-ups'
closing happen, audited as the operator `hoso-daily`."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import sqlalchemy as sa

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import disease_catalogue
from hoso.cli.daily_jobs import DailySurveillance
from hoso.core.vi_format import HCMC
from hoso.store.publichealth_schema import ph_signal
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.callers import as_caller, audit_subtypes
from tests.publichealth.case_rows import Case, insert_cases


def test_the_daily_jobs_run_once_a_day(store: SqlStore) -> None:
    with as_caller(store) as repo:
        disease_catalogue(store, repo).seed()
    today = datetime.now(HCMC).date()
    monday = today - timedelta(days=today.weekday() + 7)  # last complete ISO week
    # Measles in Phường Sài Gòn: nothing for 5 years, then 6 cases last week.
    days = [(monday + timedelta(days=i % 5)).isoformat() for i in range(6)]
    insert_cases(store.engine, [Case("measles", "26740", day, day) for day in days])
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    jobs = DailySurveillance(store, trail)
    stop = threading.Event()
    jobs.run(stop, until_idle=True)
    jobs.run(stop, until_idle=True)
    trail.close()
    assert (jobs.runs, jobs.done_for) == (1, today)
    assert audit_subtypes(store).count("surveillance-daily") == 1
    with store.engine.connect() as conn:
        signals = conn.execute(sa.select(ph_signal.c.disease, ph_signal.c.ward,
                                         ph_signal.c.week)).all()  # fmt: skip
    assert ("measles", "26740", monday.isoformat()) in {tuple(s) for s in signals}
