"""The SQL of the data-quality batch (`hoso.ingest.quality.batch`) and scorecard: the
store contract's `QualityTables`.

The batch reads the store in pages by `seq`. A page it rewrites is read with its rows
locked (FOR UPDATE; SQLite's `BEGIN IMMEDIATE` holds the whole file), so a write
committing meanwhile either came first, and the batch sees its content, or waits and
then refreshes its own findings: a page's findings always match its current versions.
The residents' facts (coverage, latest vital signs, first care, open MPI pairs) are
read once before the pages, from the index tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import sqlalchemy as sa

from hoso.fhir.quality import QualityIssue
from hoso.fhir.store import PageRow, QualityFacts, ScoreRow
from hoso.store import schema
from hoso.store.quality_rows import delete_quality_rows, issue_rows, read_issues

__all__ = ["SqlQualityTables"]

# Resource types whose `date` search parameter is when care happened.
CARE_TYPES = ("Encounter", "Immunization", "Observation", "Procedure")


def _page_statement(limit: int) -> sa.Select:
    r = schema.resource
    return (
        sa.select(r.c.seq, r.c.resource_type, r.c.id, r.c.patient_id, r.c.content)
        .where(r.c.seq > sa.bindparam("after"), r.c.deleted.is_(False))
        .order_by(r.c.seq)
        .limit(limit)
    )


class SqlQualityTables:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def findings(self, resource_type: str, id: str) -> list[QualityIssue]:
        """The findings on the current version of `resource_type/id`, rule by rule."""
        return read_issues(self._conn, resource_type, id)

    # -- the batch's pages ------------------------------------------------------------
    def locked_page(self, after: int, size: int) -> list[PageRow]:
        """The next `size` current resources after row `after`, locked until the
        transaction ends."""
        statement = _page_statement(size).with_for_update()
        return [PageRow(*row) for row in self._conn.execute(statement, {"after": after})]

    def replace_issues(self, found: Sequence[tuple[PageRow, Sequence[QualityIssue]]]) -> int:
        """Every finding of these resources, replaced by the given ones."""
        delete_quality_rows(self._conn, [row.seq for row, _ in found])
        rows = [
            r for row, issues in found
            for r in issue_rows(row.seq, row.resource_type, row.patient_id, issues)
        ]  # fmt: skip
        if rows:
            self._conn.execute(schema.quality_issue.insert(), rows)
        return len(rows)

    # -- the residents' facts ---------------------------------------------------------
    def facts(self) -> QualityFacts:
        return QualityFacts(self._covered(), self._last_vital_signs(), self._care_starts(),
                            self._open_duplicates())  # fmt: skip

    def _covered(self) -> set[str]:
        """Residents a current Coverage (a BHYT card) belongs to."""
        r = schema.resource
        rows = self._conn.execute(
            sa.select(r.c.patient_id)
            .where(r.c.resource_type == "Coverage", r.c.deleted.is_(False))
            .where(r.c.patient_id.is_not(None))
            .distinct()
        )
        return {row[0] for row in rows}

    def _last_vital_signs(self) -> dict[str, int]:
        """Resident → end (µs) of their newest vital-signs Observation."""
        t, d = schema.idx_token, schema.idx_date
        rows = self._conn.execute(
            sa.select(d.c.patient_id, sa.func.max(d.c.high))
            .select_from(d.join(t, t.c.res_seq == d.c.res_seq))
            .where(d.c.resource_type == "Observation", d.c.param == "date")
            .where(t.c.param == "category", t.c.code == "vital-signs")
            .where(d.c.patient_id.is_not(None))
            .group_by(d.c.patient_id)
        )
        return {pid: int(high) for pid, high in rows}

    def _care_starts(self) -> dict[str, int]:
        """Resident → start (µs) of the earliest care recorded for them."""
        d = schema.idx_date
        rows = self._conn.execute(
            sa.select(d.c.patient_id, sa.func.min(d.c.low))
            .where(d.c.resource_type.in_(CARE_TYPES), d.c.param == "date")
            .where(d.c.patient_id.is_not(None))
            .group_by(d.c.patient_id)
        )
        return {pid: int(low) for pid, low in rows}

    def _open_duplicates(self) -> set[str]:
        """Residents in an MPI candidate pair no steward has decided yet."""
        m = schema.mpi_candidate
        rows = self._conn.execute(
            sa.select(m.c.patient_a, m.c.patient_b).where(m.c.status == "open")
        )
        return {pid for pair in rows for pid in pair}

    # -- runs and the scorecard snapshot ----------------------------------------------
    def start_run(self, started_us: int) -> int:
        result = self._conn.execute(
            schema.quality_run.insert(), {"started": started_us, "resources": 0, "issues": 0}
        )
        return int(result.inserted_primary_key[0])

    def finish_run(self, run_id: int, finished_us: int, resources: int, issues: int,
                   scores: Sequence[ScoreRow]) -> None:  # fmt: skip
        """Write the snapshot and mark the run finished, together: a scorecard never
        shows half a run."""
        rows = [dataclasses.asdict(s) for s in scores]
        for start in range(0, len(rows), 1000):
            self._conn.execute(schema.quality_score.insert(), rows[start : start + 1000])
        q = schema.quality_run
        self._conn.execute(
            q.update()
            .where(q.c.id == run_id)
            .values(finished=finished_us, resources=resources, issues=issues)
        )

    def latest_runs(self, limit: int) -> list[tuple[int, int, int, int]]:
        """(id, finished µs, resources, issues) of the newest finished runs, newest first."""
        q = schema.quality_run
        rows = self._conn.execute(
            sa.select(q.c.id, q.c.finished, q.c.resources, q.c.issues)
            .where(q.c.finished.is_not(None))
            .order_by(q.c.id.desc())
            .limit(limit)
        )
        return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]

    def scores(self, run_ids: Sequence[int], facility: str | None, ward: str | None
               ) -> list[ScoreRow]:  # fmt: skip
        """Snapshot rows of `run_ids`, summed over wards and/or facilities unless one is
        named: one row per run × rule (× the named facility and ward)."""
        s = schema.quality_score
        rows = self._conn.execute(
            sa.select(s.c.run_id, s.c.rule, sa.func.sum(s.c.checked), sa.func.sum(s.c.failing),
                      sa.func.sum(s.c.findings))
            .where(s.c.run_id.in_(list(run_ids)), *_place(s, facility, ward))
            .group_by(s.c.run_id, s.c.rule)
            .order_by(s.c.run_id, s.c.rule)
        )  # fmt: skip
        return [ScoreRow(int(run), facility or "", ward or "", rule, int(c), int(f), int(n))
                for run, rule, c, f, n in rows]  # fmt: skip

    def breakdown(self, run_id: int, by: str, facility: str | None, ward: str | None
                  ) -> list[tuple[str, int, int, int]]:  # fmt: skip
        """(facility or ward, checked, failing, findings) of one run, over every rule,
        largest first; `by` is "facility" or "ward"."""
        s = schema.quality_score
        column = s.c.facility if by == "facility" else s.c.ward
        checked = sa.func.sum(s.c.checked)
        rows = self._conn.execute(
            sa.select(column, checked, sa.func.sum(s.c.failing), sa.func.sum(s.c.findings))
            .where(s.c.run_id == run_id, *_place(s, facility, ward))
            .group_by(column)
            .order_by(checked.desc(), column)
        )
        return [(key, int(c), int(f), int(n)) for key, c, f, n in rows]


def _place(s: sa.Table, facility: str | None, ward: str | None) -> list[sa.ColumnElement[bool]]:
    where = []
    if facility is not None:
        where.append(s.c.facility == facility)
    if ward is not None:
        where.append(s.c.ward == ward)
    return where
