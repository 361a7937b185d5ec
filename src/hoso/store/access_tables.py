"""What the access policy keeps beside the records, on one connection: break-the-glass
grants, and the watch on self-claimed care with the anomalies it flags (decided in
`hoso.access.care_claims`). The store contract's `AccessTables`."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from hoso.store import publichealth_schema as ph
from hoso.store import schema
from hoso.store.dialect import Dialect

__all__ = ["SqlAccessTables"]

_GLASS = schema.break_glass
_RATE = schema.care_claim_rate
_ANOMALY = schema.access_anomaly


class SqlAccessTables:
    def __init__(self, conn: sa.Connection, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect

    # -- consent ---------------------------------------------------------------------
    def consent_refusals(self, patient_ids: list[str], purpose: str, now_us: int
                         ) -> dict[str, set[str | None]]:  # fmt: skip
        """Per resident, the categories (security-label codes; None: all) their active
        Consents deny to everyone for `purpose` now."""
        c = schema.consent_rule
        rows = self._conn.execute(
            sa.select(c.c.patient_id, c.c.label_code).where(
                c.c.patient_id.in_(patient_ids), c.c.effect == "deny", c.c.actor_ref.is_(None),
                c.c.purpose == purpose, c.c.low <= now_us, c.c.high >= now_us)
        )  # fmt: skip
        found: dict[str, set[str | None]] = {}
        for patient_id, label in rows:
            found.setdefault(patient_id, set()).add(label)
        return found

    # -- break-the-glass -------------------------------------------------------------
    def grant_break_glass(self, *, agent: str, facility: str | None, patient_id: str,
                          reason: str, started: int, expires: int) -> str:  # fmt: skip
        grant_id = str(uuid.uuid4())
        self._conn.execute(_GLASS.insert(), {
            "id": grant_id, "agent": agent, "facility": facility, "patient_id": patient_id,
            "reason": reason, "started": started, "expires": expires,
        })  # fmt: skip
        return grant_id

    def break_glass_patients(self, agent: str, now_us: int) -> frozenset[str]:
        rows = self._conn.execute(
            sa.select(_GLASS.c.patient_id).where(_GLASS.c.agent == agent,
                                                 _GLASS.c.expires > now_us)
        ).scalars()  # fmt: skip
        return frozenset(rows)

    def case_linked_patients(self, officer: str, patient_ids: list[str]) -> set[str]:
        case, link, contact = ph.ph_case, ph.ph_case_officer, ph.ph_contact
        linked = (sa.select(case.c.patient_id, case.c.disease)
                  .join(link, link.c.case_id == case.c.id)
                  .where(link.c.officer == officer))  # fmt: skip
        own = linked.where(case.c.patient_id.in_(patient_ids))
        sources = linked.subquery()
        contacts = (sa.select(contact.c.target_patient)
                    .join(sources, sa.and_(sources.c.patient_id == contact.c.source_patient,
                                           sources.c.disease == contact.c.disease))
                    .where(contact.c.target_patient.in_(patient_ids)))  # fmt: skip
        found = {str(r[0]) for r in self._conn.execute(own)}
        return found | {str(p) for p in self._conn.execute(contacts).scalars()}

    # -- the watch on self-claimed care ----------------------------------------------
    def count_care_claim(self, agent: str, facility: str | None, hour_us: int, now_us: int
                         ) -> tuple[int, int | None]:  # fmt: skip
        """Add one opening to `agent`'s hour; (openings in the hour, the previous one's
        time)."""
        self._dialect.lock_keys(self._conn, [f"care-claim:{agent}"])  # one counter row
        where = (_RATE.c.agent == agent, _RATE.c.hour_us == hour_us)
        row = self._conn.execute(sa.select(_RATE.c.opened, _RATE.c.last_us).where(*where)).first()
        if row is None:
            self._conn.execute(_RATE.insert(), {"agent": agent, "hour_us": hour_us,
                                                "facility": facility, "opened": 1,
                                                "last_us": now_us})  # fmt: skip
            return 1, None
        self._conn.execute(
            _RATE.update().where(*where).values(opened=row.opened + 1, last_us=now_us)
        )
        return int(row.opened) + 1, int(row.last_us)

    def busiest_care_claim_hour(self, agent: str, since_us: int, before_us: int) -> int:
        """The most openings `agent` made in one hour in [since, before)."""
        most = self._conn.execute(
            sa.select(sa.func.max(_RATE.c.opened)).where(
                _RATE.c.agent == agent, _RATE.c.hour_us >= since_us, _RATE.c.hour_us < before_us
            )
        ).scalar()
        return int(most or 0)

    def flag_anomaly(self, anomaly: dict[str, Any]) -> bool:
        """Record an anomaly once per kind, caller and hour; False if already flagged."""
        self._dialect.lock_keys(self._conn, [f"anomaly:{anomaly['kind']}:{anomaly['agent']}"])
        exists = self._conn.execute(
            sa.select(sa.literal(1)).where(
                _ANOMALY.c.kind == anomaly["kind"],
                _ANOMALY.c.agent == anomaly["agent"],
                _ANOMALY.c.hour_us == anomaly["hour_us"],
            )
        ).first()
        if exists is not None:
            return False
        self._conn.execute(_ANOMALY.insert(), anomaly)
        return True

    def anomalies(self, since_us: int, limit: int = 500) -> list[dict[str, Any]]:
        """Flagged anomalies since `since_us`, newest first."""
        rows = self._conn.execute(
            sa.select(_ANOMALY)
            .where(_ANOMALY.c.detected_us >= since_us)
            .order_by(_ANOMALY.c.detected_us.desc())
            .limit(limit)
        ).mappings()
        return [{str(key): value for key, value in row.items()} for row in rows]
