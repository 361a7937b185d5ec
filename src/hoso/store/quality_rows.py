"""Data-quality findings of one resource: derived rows, like the search index.

The write path calls `replace_quality_rows` in the write's transaction with the
`QualityCheck` the composition root plugged into the store (`hoso.fhir.quality`), so a
resource's findings never describe another version than the current one. Rows of
`kind` "batch" come from rules that look across a resident's record; a write leaves them
to the batch (`hoso quality run`), which rewrites every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from hoso.fhir.quality import KIND_WRITE, QualityCheck, QualityIssue
from hoso.store import schema

__all__ = ["delete_quality_rows", "issue_rows", "read_issues", "replace_quality_rows"]

_MAX_MESSAGE = 1000  # a finding is one sentence in two languages


def issue_rows(
    res_seq: int, resource_type: str, patient_id: str | None, issues: Iterable[QualityIssue]
) -> list[dict[str, Any]]:
    """The `quality_issue` rows of `issues`, in the table's column order."""
    return [
        {
            "res_seq": res_seq,
            "resource_type": resource_type,
            "patient_id": patient_id,
            "rule": i.rule,
            "kind": i.kind,
            "severity": i.severity,
            "expression": i.expression,
            "message": i.message[:_MAX_MESSAGE],
        }
        for i in issues
    ]


def replace_quality_rows(
    conn: sa.Connection,
    res_seq: int,
    resource_type: str,
    patient_id: str | None,
    resource: dict[str, Any],
    check: QualityCheck | None,
    *,
    fresh: bool,
) -> None:
    """Drop the write-kind rows of `res_seq` and derive them again from `resource`.

    Without a check (a store built without one) the old rows still go: no findings is
    better than findings about a version that no longer exists.
    """
    table = schema.quality_issue
    if not fresh:
        conn.execute(table.delete().where(table.c.res_seq == res_seq, table.c.kind == KIND_WRITE))
    if check is None:
        return
    rows = issue_rows(res_seq, resource_type, patient_id, check(resource))
    if rows:
        conn.execute(table.insert(), rows)


def delete_quality_rows(conn: sa.Connection, res_seqs: Sequence[int]) -> None:
    """Every finding of these resources (deleted, or about to be recomputed)."""
    table = schema.quality_issue
    for start in range(0, len(res_seqs), 500):  # bound parameters per statement
        chunk = list(res_seqs[start : start + 500])
        conn.execute(table.delete().where(table.c.res_seq.in_(chunk)))


def read_issues(conn: sa.Connection, resource_type: str, id: str) -> list[QualityIssue]:
    """The findings on the current version of `resource_type/id`, rule by rule."""
    q, r = schema.quality_issue, schema.resource
    rows = conn.execute(
        sa.select(q.c.rule, q.c.kind, q.c.severity, q.c.expression, q.c.message)
        .select_from(q.join(r, r.c.seq == q.c.res_seq))
        .where(r.c.resource_type == resource_type, r.c.id == id, r.c.deleted.is_(False))
        .order_by(q.c.rule, q.c.expression)
    )
    return [
        QualityIssue(rule=rule, severity=severity, expression=expression, message=message,
                     kind=kind)
        for rule, kind, severity, expression, message in rows
    ]  # fmt: skip
