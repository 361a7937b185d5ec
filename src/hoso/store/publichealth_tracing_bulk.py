"""The whole-disease reads of contact tracing — what a chain snapshot and the indicators
are computed from — and the bulk inserts the bench's synthetic outbreak is loaded with
(`bench/outbreak_chains.py`; nothing in the server writes through them).

The reads stream (`yield_per`): a snapshot of 100,000 cases and 300,000 contacts reads
its rows once, in one transaction, without holding them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from hoso.store.engine import transaction
from hoso.store.publichealth_schema import (
    ph_case,
    ph_case_officer,
    ph_contact,
    ph_event,
    ph_followup,
    ph_visit,
)

__all__ = ["TracingBulk"]

_BATCH = 5000
_SEEN = ("seen-ok", "seen-with-symptoms")


class TracingBulk:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- what the chains are made of ----------------------------------------------------
    def chain_rows(self, disease: str, as_of: str
                   ) -> tuple[list[tuple[str, str, str, str]],
                              list[tuple[str | None, int | None, str, str]]]:  # fmt: skip
        """Cases known by `as_of` (not discarded): (patient, classification, onset,
        report); contacts exposed by then: (source patient, source event, target, last
        exposure)."""
        c, e = ph_case, ph_contact
        cases = (sa.select(c.c.patient_id, c.c.classification, c.c.onset_date, c.c.report_date)
                 .where(c.c.disease == disease, c.c.classification != "discarded",
                        c.c.report_date <= as_of))  # fmt: skip
        edges = (sa.select(e.c.source_patient, e.c.source_event, e.c.target_patient,
                           sa.func.least(e.c.last_exposure, as_of)
                           if self.engine.dialect.name == "postgresql"
                           else sa.func.min(e.c.last_exposure, as_of))
                 .where(e.c.disease == disease, e.c.first_exposure <= as_of))  # fmt: skip
        with transaction(self.engine, write=False) as conn:
            case_rows = [tuple(r) for r in conn.execution_options(yield_per=_BATCH)
                         .execute(cases)]  # fmt: skip
            edge_rows = [tuple(r) for r in conn.execution_options(yield_per=_BATCH)
                         .execute(edges)]  # fmt: skip
        return case_rows, edge_rows  # type: ignore[return-value]

    # -- what the indicators are made of ------------------------------------------------
    def indicator_rows(self, disease: str, first: str, last: str) -> dict[str, Any]:
        c, e, f, v = ph_case, ph_contact, ph_followup, ph_visit
        with transaction(self.engine, write=False) as conn:
            cases = [tuple(r) for r in conn.execute(
                sa.select(c.c.patient_id, c.c.onset_date, c.c.report_date, c.c.isolation_date)
                .where(c.c.disease == disease, c.c.classification != "discarded",
                       c.c.report_date <= last))]  # fmt: skip
            edges = [tuple(r) for r in conn.execute(
                sa.select(e.c.source_patient, e.c.target_patient, e.c.setting,
                          e.c.first_exposure)
                .where(e.c.disease == disease, e.c.first_exposure <= last))]  # fmt: skip
            statuses = {str(s): int(n) for s, n in conn.execute(
                sa.select(f.c.status, sa.func.count()).where(f.c.disease == disease)
                .group_by(f.c.status))}  # fmt: skip
            spans = list(conn.execute(
                sa.select(f.c.start_date, f.c.end_date, f.c.frequency_days)
                .where(f.c.disease == disease, f.c.start_date <= last, f.c.end_date >= first,
                       f.c.status.in_(("active", "completed", "lost")))))  # fmt: skip
            seen = {str(d): int(n) for d, n in conn.execute(
                sa.select(v.c.day, sa.func.count()).join(f, f.c.id == v.c.followup_id)
                .where(f.c.disease == disease, v.c.day >= first, v.c.day <= last,
                       v.c.outcome.in_(_SEEN)).group_by(v.c.day))}  # fmt: skip
        return {"cases": cases, "edges": edges, "statuses": statuses,
                "due": _due_per_day(spans, first, last), "seen": seen}  # fmt: skip

    # -- the bench's loader -------------------------------------------------------------
    def insert(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert many rows into one of the tracing tables (the bench's loader)."""
        target = {t.name: t for t in (ph_case, ph_case_officer, ph_contact, ph_event,
                                      ph_followup, ph_visit)}[table]  # fmt: skip
        with transaction(self.engine) as conn:
            for i in range(0, len(rows), _BATCH):
                conn.execute(sa.insert(target), list(rows[i:i + _BATCH]))


def _due_per_day(spans: list[Any], first: str, last: str) -> dict[str, int]:
    """Visits due per day of [first, last]: daily follow-ups by a difference array (one
    step each, not one per day), the others day by day."""
    low, high = date.fromisoformat(first), date.fromisoformat(last)
    width = (high - low).days + 1
    steps = [0] * (width + 1)
    due: dict[str, int] = {}
    for start_text, end_text, every in spans:
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
        if every == 1:
            a, b = max((start - low).days, 0), min((end - low).days, width - 1)
            if a <= b:
                steps[a] += 1
                steps[b + 1] -= 1
            continue
        day = start
        if day < low:  # jump to the first visit day on or after the period's first
            day += timedelta(days=-(-(low - start).days // every) * every)
        while day <= min(end, high):
            key = day.isoformat()
            due[key] = due.get(key, 0) + 1
            day += timedelta(days=every)
    running = 0
    for offset in range(width):
        running += steps[offset]
        if running:
            key = (low + timedelta(days=offset)).isoformat()
            due[key] = due.get(key, 0) + running
    return dict(sorted(due.items()))



