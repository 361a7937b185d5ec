"""The cohorts' daily snapshot through the programmes' own recompute, on SQLite and
PostgreSQL: the recompute's observer (`CohortSnapshot`) stores each resident's
memberships of the day, with the measures their programmes produced, and a nightly run
again on the same day leaves the same counts."""

from __future__ import annotations

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import programme_recompute
from hoso.core import clock
from hoso.programmes.cohorts.catalogue import CohortSnapshot
from hoso.store.programme_cohorts import SqlCohorts
from hoso.store.publichealth_tracing import SqlTracing
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.callers import as_caller
from tests.programmes.world import OTHER_WARD, WARD, home, hypertension, recompute


def test_the_nightly_run_stores_the_days_cohorts(store: SqlStore) -> None:
    with as_caller(store) as repo:
        ids = [repo.create(home(n, ward)).stored.id
               for n, ward in ((1, WARD), (2, WARD), (3, OTHER_WARD))]  # fmt: skip
        for pid in ids[:2] + ids[2:]:
            repo.create(hypertension(pid))
    with as_caller(store) as operator:
        snapshot = CohortSnapshot(SqlCohorts(store.engine), SqlTracing(store.engine))
        job = recompute(store, operator, observers=[snapshot])
        assert job.everyone() == 3
        rows, today = SqlCohorts(store.engine), clock.today_vn()
        first = rows.counts("hypertension", "2026.1", today, None)
        by_ward: dict[str | None, int] = {}
        for ward, _band, _sex, n in first:
            by_ward[ward] = by_ward.get(ward, 0) + n
        assert by_ward == {WARD: 2, OTHER_WARD: 1}
        job.everyone()  # again the same day: replaced, not added
        assert rows.counts("hypertension", "2026.1", today, None) == first


def test_the_servers_recompute_stores_cohorts_by_default(store: SqlStore) -> None:
    """`hoso.assembly.programme_recompute` (what `hoso serve` and `hoso programmes
    recompute` run) has the cohorts' observer without being asked."""
    with as_caller(store) as repo:
        pid = repo.create(home(7, WARD)).stored.id
        repo.create(hypertension(pid))
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        assert programme_recompute(store, trail).everyone() == 1
    finally:
        trail.close()
    counts = SqlCohorts(store.engine).counts("hypertension", "2026.1", clock.today_vn(), None)
    assert [(w, n) for w, _b, _s, n in counts] == [(WARD, 1)]
