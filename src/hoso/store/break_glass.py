"""Break-the-glass grants in SQL: written with their audit entry, read per request."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from hoso.store import schema

_B = schema.break_glass


def grant(
    conn: sa.Connection,
    *,
    agent: str,
    facility: str | None,
    patient_id: str,
    reason: str,
    started: int,
    expires: int,
) -> str:
    grant_id = str(uuid.uuid4())
    conn.execute(
        _B.insert(),
        {
            "id": grant_id,
            "agent": agent,
            "facility": facility,
            "patient_id": patient_id,
            "reason": reason,
            "started": started,
            "expires": expires,
        },
    )
    return grant_id


def active_patients(conn: sa.Connection, agent: str, now_us: int) -> frozenset[str]:
    rows = conn.execute(
        sa.select(_B.c.patient_id).where(_B.c.agent == agent, _B.c.expires > now_us)
    ).scalars()
    return frozenset(rows)
