"""The `mpi_candidate` table: pairs of Patients that may be one resident, and what a data
steward decided about them; the store contract's `MatchQueue`. Only the MPI (online and
batch) and the review page use it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from hoso.fhir.store import MatchCandidate
from hoso.store import schema

__all__ = ["SqlMatchQueue"]

_T = schema.mpi_candidate


def _candidate(row: Any) -> MatchCandidate:
    return MatchCandidate(*(getattr(row, c.name) for c in _T.columns))


class SqlMatchQueue:
    """The queue on one connection, inside the caller's unit of work."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert the pairs not yet known (a decided pair stays decided); returns how
        many were new. Rows: patient_a < patient_b, weight, probability, grade, origin,
        details, created."""
        added = 0
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            wanted = {(r["patient_a"], r["patient_b"]) for r in chunk}
            firsts = sorted({a for a, _ in wanted})
            known = {
                (a, b)
                for a, b in self._conn.execute(
                    sa.select(_T.c.patient_a, _T.c.patient_b).where(_T.c.patient_a.in_(firsts))
                )
            }
            fresh = [{**r, "status": "open"} for r in chunk
                     if (r["patient_a"], r["patient_b"]) not in known]  # fmt: skip
            fresh = list({(r["patient_a"], r["patient_b"]): r for r in fresh}.values())
            if fresh:
                self._conn.execute(_T.insert(), fresh)
                added += len(fresh)
        return added

    def open(self, *, limit: int = 50, offset: int = 0) -> list[MatchCandidate]:
        """The review queue, most likely first."""
        rows = self._conn.execute(
            sa.select(_T).where(_T.c.status == "open")
            .order_by(_T.c.weight.desc(), _T.c.id).limit(limit).offset(offset)
        )  # fmt: skip
        return [_candidate(r) for r in rows]

    def count_by_status(self) -> dict[str, int]:
        rows = self._conn.execute(sa.select(_T.c.status, sa.func.count()).group_by(_T.c.status))
        return {status: int(n) for status, n in rows}

    def get(self, candidate_id: int, *, lock: bool = False) -> MatchCandidate | None:
        query = sa.select(_T).where(_T.c.id == candidate_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return _candidate(row) if row is not None else None

    def decide_open(self, candidate_id: int, status: str, by: str, at_us: int) -> bool:
        """Decide the pair, but only while it is still open: False when someone decided
        it first, so two stewards clicking at once cannot both act (on either backend)."""
        result = self._conn.execute(
            _T.update().where(_T.c.id == candidate_id, _T.c.status == "open")
            .values(status=status, decided=at_us, decided_by=by)
        )  # fmt: skip
        return result.rowcount == 1

    def follow_merge(self, source: str, target: str, by: str, at_us: int) -> int:
        """After `source` was merged into `target`, in the merge's transaction: the pair
        of the two is closed as merged, and every other open pair naming the retired
        source moves to the target (or is closed as superseded when the target already
        has that pair), so the queue never offers a retired record. Returns how many
        pairs moved."""
        moved = 0
        for c in self._naming(source):
            if c.status != "open":
                continue
            other = c.patient_b if c.patient_a == source else c.patient_a
            if other == target:
                self._decide(c.id, "merged", by, at_us)
                continue
            a, b = sorted((target, other))
            taken = self._conn.execute(
                sa.select(_T.c.id).where(_T.c.patient_a == a, _T.c.patient_b == b)
            ).first()
            if taken is None:
                self._conn.execute(
                    _T.update().where(_T.c.id == c.id).values(patient_a=a, patient_b=b)
                )
                moved += 1
            else:
                self._decide(c.id, "superseded", by, at_us)
        return moved

    def _naming(self, patient_id: str) -> list[MatchCandidate]:
        rows = self._conn.execute(
            sa.select(_T).where(sa.or_(_T.c.patient_a == patient_id,
                                       _T.c.patient_b == patient_id))
            .order_by(_T.c.weight.desc())
        )  # fmt: skip
        return [_candidate(r) for r in rows]

    def _decide(self, candidate_id: int, status: str, by: str, at_us: int) -> None:
        self._conn.execute(
            _T.update().where(_T.c.id == candidate_id)
            .values(status=status, decided=at_us, decided_by=by)
        )  # fmt: skip
