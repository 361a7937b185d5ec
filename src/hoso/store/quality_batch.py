"""The SQL of the data-quality batch (`hoso.ingest.quality.batch`) and scorecard.

The batch reads the store in pages by `seq`. A page it rewrites is read with its rows
locked (FOR UPDATE; SQLite's `BEGIN IMMEDIATE` holds the whole file), so a write
committing meanwhile either came first, and the batch sees its content, or waits and
then refreshes its own findings: a page's findings always match its current versions.
The residents' facts (coverage, latest vital signs, first care, open MPI pairs) are
read once before the pages, from the index tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.store import schema
from hoso.store.engine import WRITE_OPTION
from hoso.store.quality_rows import delete_quality_rows

__all__ = [
    "PageRow",
    "Score",
    "breakdown",
    "care_starts",
    "covered_patients",
    "finish_run",
    "last_vital_signs",
    "latest_runs",
    "lock_page",
    "open_duplicates",
    "read_pages",
    "replace_issues",
    "scores",
    "start_run",
]

# Resource types whose `date` search parameter is when care happened.
CARE_TYPES = ("Encounter", "Immunization", "Observation", "Procedure")


@dataclass(frozen=True, slots=True)
class PageRow:
    seq: int
    resource_type: str
    id: str
    patient_id: str | None
    content: str


@dataclass(frozen=True, slots=True)
class Score:
    run_id: int
    facility: str
    ward: str
    rule: str
    checked: int
    failing: int
    findings: int


def _page_statement(types: Sequence[str] | None, limit: int) -> sa.Select:
    r = schema.resource
    where = [r.c.seq > sa.bindparam("after"), r.c.deleted.is_(False)]
    if types is not None:
        where.append(r.c.resource_type.in_(list(types)))
    return (
        sa.select(r.c.seq, r.c.resource_type, r.c.id, r.c.patient_id, r.c.content)
        .where(*where)
        .order_by(r.c.seq)
        .limit(limit)
    )


def read_pages(
    engine: sa.Engine, types: Sequence[str] | None = None, size: int = 1000
) -> Iterator[list[PageRow]]:
    """Current resources (of `types`) in pages, one short read transaction each."""
    statement = _page_statement(types, size)
    after = 0
    while True:
        with engine.connect().execution_options(**{WRITE_OPTION: False}) as conn, conn.begin():
            rows = [PageRow(*row) for row in conn.execute(statement, {"after": after})]
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = rows[-1].seq


def lock_page(conn: sa.Connection, after: int, size: int) -> list[PageRow]:
    """The next `size` current resources after `after`, locked until the transaction
    ends."""
    statement = _page_statement(None, size).with_for_update()
    return [PageRow(*row) for row in conn.execute(statement, {"after": after})]


def replace_issues(conn: sa.Connection, seqs: Sequence[int], rows: list[dict[str, Any]]) -> None:
    """Every finding of the resources `seqs`, replaced by `rows`."""
    delete_quality_rows(conn, seqs)
    if rows:
        conn.execute(schema.quality_issue.insert(), rows)


# -- the residents' facts -------------------------------------------------------------
def covered_patients(conn: sa.Connection) -> set[str]:
    """Residents a current Coverage (a BHYT card) belongs to."""
    r = schema.resource
    rows = conn.execute(
        sa.select(r.c.patient_id)
        .where(r.c.resource_type == "Coverage", r.c.deleted.is_(False))
        .where(r.c.patient_id.is_not(None))
        .distinct()
    )
    return {row[0] for row in rows}


def last_vital_signs(conn: sa.Connection) -> dict[str, int]:
    """Resident → end (µs) of their newest vital-signs Observation."""
    t, d = schema.idx_token, schema.idx_date
    rows = conn.execute(
        sa.select(d.c.patient_id, sa.func.max(d.c.high))
        .select_from(d.join(t, t.c.res_seq == d.c.res_seq))
        .where(d.c.resource_type == "Observation", d.c.param == "date")
        .where(t.c.param == "category", t.c.code == "vital-signs")
        .where(d.c.patient_id.is_not(None))
        .group_by(d.c.patient_id)
    )
    return {pid: int(high) for pid, high in rows}


def care_starts(conn: sa.Connection) -> dict[str, int]:
    """Resident → start (µs) of the earliest care recorded for them."""
    d = schema.idx_date
    rows = conn.execute(
        sa.select(d.c.patient_id, sa.func.min(d.c.low))
        .where(d.c.resource_type.in_(CARE_TYPES), d.c.param == "date")
        .where(d.c.patient_id.is_not(None))
        .group_by(d.c.patient_id)
    )
    return {pid: int(low) for pid, low in rows}


def open_duplicates(conn: sa.Connection) -> set[str]:
    """Residents in an MPI candidate pair no steward has decided yet."""
    m = schema.mpi_candidate
    rows = conn.execute(sa.select(m.c.patient_a, m.c.patient_b).where(m.c.status == "open"))
    return {pid for pair in rows for pid in pair}


# -- runs and the scorecard snapshot ----------------------------------------------------
def start_run(conn: sa.Connection, started_us: int) -> int:
    result = conn.execute(
        schema.quality_run.insert(), {"started": started_us, "resources": 0, "issues": 0}
    )
    return int(result.inserted_primary_key[0])


def finish_run(
    conn: sa.Connection,
    run_id: int,
    finished_us: int,
    resources: int,
    issues: int,
    score_rows: list[dict[str, Any]],
) -> None:
    """Write the snapshot and mark the run finished, together: a scorecard never
    shows half a run."""
    for start in range(0, len(score_rows), 1000):
        conn.execute(schema.quality_score.insert(), score_rows[start : start + 1000])
    q = schema.quality_run
    conn.execute(
        q.update()
        .where(q.c.id == run_id)
        .values(finished=finished_us, resources=resources, issues=issues)
    )


def latest_runs(conn: sa.Connection, limit: int) -> list[tuple[int, int, int, int]]:
    """(id, finished µs, resources, issues) of the newest finished runs, newest first."""
    q = schema.quality_run
    rows = conn.execute(
        sa.select(q.c.id, q.c.finished, q.c.resources, q.c.issues)
        .where(q.c.finished.is_not(None))
        .order_by(q.c.id.desc())
        .limit(limit)
    )
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]


def scores(
    conn: sa.Connection, run_ids: Sequence[int], facility: str | None, ward: str | None
) -> list[Score]:
    """Snapshot rows of `run_ids`, summed over wards and/or facilities unless one is
    named: one row per run × rule (× the named facility and ward)."""
    s = schema.quality_score
    where = [s.c.run_id.in_(list(run_ids))]
    if facility is not None:
        where.append(s.c.facility == facility)
    if ward is not None:
        where.append(s.c.ward == ward)
    rows = conn.execute(
        sa.select(
            s.c.run_id,
            s.c.rule,
            sa.func.sum(s.c.checked),
            sa.func.sum(s.c.failing),
            sa.func.sum(s.c.findings),
        )
        .where(*where)
        .group_by(s.c.run_id, s.c.rule)
        .order_by(s.c.run_id, s.c.rule)
    )
    return [
        Score(int(run), facility or "", ward or "", rule, int(c), int(f), int(n))
        for run, rule, c, f, n in rows
    ]


def breakdown(
    conn: sa.Connection, run_id: int, by: str, facility: str | None, ward: str | None
) -> list[tuple[str, int, int, int]]:
    """(facility or ward, checked, failing, findings) of one run, over every rule,
    largest first; `by` is "facility" or "ward"."""
    s = schema.quality_score
    column = s.c.facility if by == "facility" else s.c.ward
    where = [s.c.run_id == run_id]
    if facility is not None:
        where.append(s.c.facility == facility)
    if ward is not None:
        where.append(s.c.ward == ward)
    checked = sa.func.sum(s.c.checked)
    rows = conn.execute(
        sa.select(column, checked, sa.func.sum(s.c.failing), sa.func.sum(s.c.findings))
        .where(*where)
        .group_by(column)
        .order_by(checked.desc(), column)
    )
    return [(key, int(c), int(f), int(n)) for key, c, f, n in rows]
