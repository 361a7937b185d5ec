"""The watch on self-claimed care in SQL: openings per caller and hour, and the
anomalies flagged for the data-protection officer (hoso.access.care_claims decides)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hoso.store import dialect, schema

_RATE = schema.care_claim_rate
_ANOMALY = schema.access_anomaly


def count_opening(
    conn: sa.Connection, agent: str, facility: str | None, hour_us: int, now_us: int
) -> tuple[int, int | None]:
    """Add one opening to `agent`'s hour; (openings in the hour, the previous one's time)."""
    dialect.lock_key(conn, f"care-claim:{agent}")  # one counter row, however many writers
    where = (_RATE.c.agent == agent, _RATE.c.hour_us == hour_us)
    row = conn.execute(sa.select(_RATE.c.opened, _RATE.c.last_us).where(*where)).first()
    if row is None:
        conn.execute(_RATE.insert(), {"agent": agent, "hour_us": hour_us, "facility": facility,
                                      "opened": 1, "last_us": now_us})  # fmt: skip
        return 1, None
    conn.execute(_RATE.update().where(*where).values(opened=row.opened + 1, last_us=now_us))
    return int(row.opened) + 1, int(row.last_us)


def busiest_hour(conn: sa.Connection, agent: str, since_us: int, before_us: int) -> int:
    """The most openings `agent` made in one hour in [since, before)."""
    most = conn.execute(
        sa.select(sa.func.max(_RATE.c.opened)).where(
            _RATE.c.agent == agent, _RATE.c.hour_us >= since_us, _RATE.c.hour_us < before_us
        )
    ).scalar()
    return int(most or 0)


def flag(conn: sa.Connection, anomaly: dict[str, Any]) -> bool:
    """Record an anomaly once per kind, caller and hour; False if already flagged."""
    dialect.lock_key(conn, f"anomaly:{anomaly['kind']}:{anomaly['agent']}")
    exists = conn.execute(
        sa.select(sa.literal(1)).where(
            _ANOMALY.c.kind == anomaly["kind"],
            _ANOMALY.c.agent == anomaly["agent"],
            _ANOMALY.c.hour_us == anomaly["hour_us"],
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(_ANOMALY.insert(), anomaly)
    return True


def anomalies(conn: sa.Connection, since_us: int, limit: int = 500) -> list[dict[str, Any]]:
    """Flagged anomalies since `since_us`, newest first."""
    rows = conn.execute(
        sa.select(_ANOMALY)
        .where(_ANOMALY.c.detected_us >= since_us)
        .order_by(_ANOMALY.c.detected_us.desc())
        .limit(limit)
    ).mappings()
    return [{str(key): value for key, value in row.items()} for row in rows]
