"""SQL of contact tracing (issue 18 point 5): events, contacts, follow-ups and their
visits, chain snapshots, and the reads the chains and indicators are computed from
(`hoso.access.publichealth_tracing` is the one caller, besides the bench's loader).

Each call is one short transaction. The snapshot job is claimed by one conditional
UPDATE (queued → running), so two workers never compute one snapshot twice. Visits are
keyed (follow-up, day): recording a day again replaces its outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.store.auth_schema import auth_account
from hoso.store.engine import transaction
from hoso.store.publichealth_schema import (
    ph_case,
    ph_case_officer,
    ph_chain_snapshot,
    ph_contact,
    ph_disease,
    ph_event,
    ph_followup,
    ph_visit,
)
from hoso.store.publichealth_tracing_bulk import TracingBulk
from hoso.store.schema import resource

__all__ = [
    "ContactRow", "EventRow", "FollowupRow", "SnapshotRow", "SqlTracing", "TracingBulk",
]  # fmt: skip

_C, _F, _V, _S, _E = ph_contact, ph_followup, ph_visit, ph_chain_snapshot, ph_event
_IN_CHUNK = 900  # IN lists under SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    kind: str
    name: str
    disease: str
    ward: str | None
    date: str | None


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    disease: str
    source_patient: str | None
    source_event: int | None
    target_patient: str
    first_exposure: str
    last_exposure: str
    setting: str
    certainty: str
    duration_minutes: int | None
    created_by: str


@dataclass(frozen=True, slots=True)
class FollowupRow:
    id: int
    patient_id: str
    disease: str
    ward: str | None
    start_date: str
    end_date: str
    frequency_days: int
    status: str
    assignee: str | None
    case_id: int | None


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    id: int
    disease: str
    as_of: str
    status: str
    requested_by: str
    requested_at: int
    finished_at: int | None
    error: str | None


def _fields(cls: type) -> list[str]:
    return list(cls.__dataclass_fields__)  # type: ignore[attr-defined]


def _make(cls: type, table: sa.Table, found: Any) -> Any:
    return cls(**{name: found._mapping[table.c[name]] for name in _fields(cls)})


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i:i + _IN_CHUNK]


class SqlTracing:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    def _cols(self, cls: type, table: sa.Table) -> list[sa.ColumnElement[Any]]:
        return [table.c[name] for name in _fields(cls)]

    # -- events and contacts ------------------------------------------------------------
    def add_event(self, **values: Any) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.insert(_E).values(**values)).inserted_primary_key[0])

    def event(self, event_id: int) -> EventRow | None:
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(*self._cols(EventRow, _E))
                                 .where(_E.c.id == event_id)).first()  # fmt: skip
        return _make(EventRow, _E, found) if found else None

    def add_contact(self, **values: Any) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.insert(_C).values(**values)).inserted_primary_key[0])

    def contact(self, contact_id: int) -> ContactRow | None:
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(*self._cols(ContactRow, _C))
                                 .where(_C.c.id == contact_id)).first()  # fmt: skip
        return _make(ContactRow, _C, found) if found else None

    def contacts(self, disease: str, *, source_patient: str | None = None,
                 after_id: int = 0, limit: int = 100) -> list[ContactRow]:  # fmt: skip
        query = sa.select(*self._cols(ContactRow, _C)).where(_C.c.disease == disease,
                                                             _C.c.id > after_id)  # fmt: skip
        if source_patient is not None:
            query = query.where(_C.c.source_patient == source_patient)
        with self._tx(write=False) as conn:
            rows = conn.execute(query.order_by(_C.c.id).limit(limit))
            return [_make(ContactRow, _C, r) for r in rows]

    # -- follow-up ----------------------------------------------------------------------
    def active_followup(self, patient_id: str, disease: str) -> FollowupRow | None:
        query = (sa.select(*self._cols(FollowupRow, _F))
                 .where(_F.c.patient_id == patient_id, _F.c.disease == disease,
                        _F.c.status == "active").order_by(_F.c.id.desc()))  # fmt: skip
        with self._tx(write=False) as conn:
            found = conn.execute(query).first()
        return _make(FollowupRow, _F, found) if found else None

    def add_followup(self, **values: Any) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.insert(_F).values(**values)).inserted_primary_key[0])

    def followup(self, followup_id: int) -> FollowupRow | None:
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(*self._cols(FollowupRow, _F))
                                 .where(_F.c.id == followup_id)).first()  # fmt: skip
        return _make(FollowupRow, _F, found) if found else None

    def followups(self, ids: Sequence[int]) -> list[FollowupRow]:
        out: list[FollowupRow] = []
        with self._tx(write=False) as conn:
            for chunk in _chunks(list(ids)):
                rows = conn.execute(sa.select(*self._cols(FollowupRow, _F))
                                    .where(_F.c.id.in_(chunk)))  # fmt: skip
                out.extend(_make(FollowupRow, _F, r) for r in rows)
        return sorted(out, key=lambda f: f.id)

    def restart(self, followup_id: int, start: str, end: str) -> None:
        with self._tx() as conn:
            conn.execute(sa.update(_F).where(_F.c.id == followup_id, _F.c.status == "active")
                         .values(start_date=start, end_date=end))  # fmt: skip

    def close(self, followup_id: int, status: str, now: int, case_id: int | None = None
              ) -> bool:  # fmt: skip
        """Close an active follow-up; False when it was closed already (by another)."""
        with self._tx() as conn:
            done = conn.execute(sa.update(_F).where(_F.c.id == followup_id,
                                                    _F.c.status == "active")
                                .values(status=status, closed_at=now, case_id=case_id))  # fmt: skip
        return done.rowcount == 1

    def assign(self, ids: Sequence[int], assignee: str | None, ward: str) -> int:
        """Give follow-ups of `ward` to `assignee`; how many were."""
        count = 0
        with self._tx() as conn:
            for chunk in _chunks(list(ids)):
                done = conn.execute(sa.update(_F).where(_F.c.id.in_(chunk), _F.c.ward == ward)
                                    .values(assignee=assignee))  # fmt: skip
                count += done.rowcount
        return count

    def assign_each(self, plan: dict[int, str]) -> None:
        if not plan:
            return
        with self._tx() as conn:
            conn.execute(sa.update(_F).where(_F.c.id == sa.bindparam("fid"))
                         .values(assignee=sa.bindparam("who")),
                         [{"fid": k, "who": v} for k, v in plan.items()])  # fmt: skip

    def active_in_ward(self, ward: str, day: str) -> list[FollowupRow]:
        """Active follow-ups of a ward whose period holds `day`."""
        query = (sa.select(*self._cols(FollowupRow, _F))
                 .where(_F.c.ward == ward, _F.c.status == "active", _F.c.start_date <= day,
                        _F.c.end_date >= day).order_by(_F.c.id))  # fmt: skip
        with self._tx(write=False) as conn:
            return [_make(FollowupRow, _F, r) for r in conn.execute(query)]

    def load(self, ward: str, members: Sequence[str]) -> dict[str, int]:
        """Active follow-ups per team member in the ward."""
        query = (sa.select(_F.c.assignee, sa.func.count())
                 .where(_F.c.ward == ward, _F.c.status == "active",
                        _F.c.assignee.in_(list(members))).group_by(_F.c.assignee))  # fmt: skip
        with self._tx(write=False) as conn:
            return {str(a): int(n) for a, n in conn.execute(query)}

    def ended_before(self, day: str, limit: int = 5000) -> list[FollowupRow]:
        """Active follow-ups whose period ended before `day` (the daily close job)."""
        query = (sa.select(*self._cols(FollowupRow, _F))
                 .where(_F.c.status == "active", _F.c.end_date < day)
                 .order_by(_F.c.id).limit(limit))  # fmt: skip
        with self._tx(write=False) as conn:
            return [_make(FollowupRow, _F, r) for r in conn.execute(query)]

    def active_with_case(self, limit: int = 5000) -> list[tuple[int, int]]:
        """(follow-up, case) for active follow-ups whose person has since become an open
        case of the disease by another path (a diagnosis, a lab result)."""
        c = ph_case
        query = (sa.select(_F.c.id, sa.func.min(c.c.id))
                 .join(c, (c.c.patient_id == _F.c.patient_id) & (c.c.disease == _F.c.disease))
                 .where(_F.c.status == "active", c.c.status == "open",
                        c.c.classification != "discarded")
                 .group_by(_F.c.id).order_by(_F.c.id).limit(limit))  # fmt: skip
        with self._tx(write=False) as conn:
            return [(int(f), int(k)) for f, k in conn.execute(query)]

    # -- visits -------------------------------------------------------------------------
    def record_visit(self, followup_id: int, day: str, outcome: str, by: str, at: int) -> None:
        key = (_V.c.followup_id == followup_id) & (_V.c.day == day)
        with self._tx() as conn:
            done = conn.execute(sa.update(_V).where(key)
                                .values(outcome=outcome, recorded_by=by, recorded_at=at))
            if done.rowcount == 0:
                conn.execute(sa.insert(_V).values(followup_id=followup_id, day=day,
                                                  outcome=outcome, recorded_by=by,
                                                  recorded_at=at))  # fmt: skip

    def visits(self, followup_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """Outcomes per follow-up and day."""
        out: dict[int, dict[str, str]] = {}
        with self._tx(write=False) as conn:
            for chunk in _chunks(list(followup_ids)):
                rows = conn.execute(sa.select(_V.c.followup_id, _V.c.day, _V.c.outcome)
                                    .where(_V.c.followup_id.in_(chunk)))  # fmt: skip
                for fid, day, outcome in rows:
                    out.setdefault(int(fid), {})[str(day)] = str(outcome)
        return out

    # -- who: the case link, the station's team, the persons ----------------------------
    def linked_patients(self, officer: str, patient_ids: Sequence[str]) -> set[str]:
        """Of `patient_ids`, the persons of cases linked to `officer`, and the contacts
        whose source is such a person (the brief's identified view)."""
        ids, linked = list(set(patient_ids)), set()
        with self._tx(write=False) as conn:
            for chunk in _chunks(ids):
                mine = (sa.select(ph_case.c.patient_id)
                        .join(ph_case_officer, ph_case_officer.c.case_id == ph_case.c.id)
                        .where(ph_case_officer.c.officer == officer))  # fmt: skip
                linked |= {str(p) for (p,) in conn.execute(
                    mine.where(ph_case.c.patient_id.in_(chunk)))}  # fmt: skip
                linked |= {str(p) for (p,) in conn.execute(
                    sa.select(_C.c.target_patient).where(
                        _C.c.target_patient.in_(chunk), _C.c.source_patient.in_(mine)))}
        return linked

    def station_team(self, facility: str) -> list[str]:
        """The station's clinicians: active clinician accounts of that facility."""
        a = auth_account
        query = (sa.select(a.c.id).where(a.c.facility == facility, a.c.role == "clinician",
                                         a.c.status == "active").order_by(a.c.id))  # fmt: skip
        with self._tx(write=False) as conn:
            return [f"account:{i}" for (i,) in conn.execute(query)]

    def patients(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The current Patient resources of `ids` (deleted ones left out)."""
        out: dict[str, dict[str, Any]] = {}
        with self._tx(write=False) as conn:
            for chunk in _chunks(list(set(ids))):
                rows = conn.execute(sa.select(resource.c.id, resource.c.content).where(
                    resource.c.resource_type == "Patient", resource.c.id.in_(chunk),
                    resource.c.deleted.is_(False)))  # fmt: skip
                out.update({str(i): jsonx.loads(c) for i, c in rows})
        return out

    def open_case(self, patient_id: str, disease: str) -> int | None:
        query = (sa.select(ph_case.c.id).where(
            ph_case.c.patient_id == patient_id, ph_case.c.disease == disease,
            ph_case.c.status == "open", ph_case.c.classification != "discarded"))
        with self._tx(write=False) as conn:
            found = conn.execute(query.order_by(ph_case.c.id.desc())).first()
        return int(found[0]) if found else None

    # -- snapshots ----------------------------------------------------------------------
    def add_snapshot(self, disease: str, as_of: str, by: str, at: int) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.insert(_S).values(
                disease=disease, as_of=as_of, status="queued", requested_by=by,
                requested_at=at)).inserted_primary_key[0])  # fmt: skip

    def snapshot(self, snapshot_id: int) -> SnapshotRow | None:
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(*self._cols(SnapshotRow, _S))
                                 .where(_S.c.id == snapshot_id)).first()  # fmt: skip
        return _make(SnapshotRow, _S, found) if found else None

    def cached_snapshot(self, disease: str, as_of: str, stale_before: int = 0
                        ) -> SnapshotRow | None:  # fmt: skip
        """The newest snapshot of that disease and day: done, or queued or running since
        `stale_before` (one whose worker died mid-way is not waited for forever)."""
        live = (_S.c.status == "done") | (
            _S.c.status.in_(("queued", "running")) & (_S.c.requested_at >= stale_before))
        query = (sa.select(*self._cols(SnapshotRow, _S))
                 .where(_S.c.disease == disease, _S.c.as_of == as_of, live)
                 .order_by(_S.c.id.desc()))  # fmt: skip
        with self._tx(write=False) as conn:
            found = conn.execute(query).first()
        return _make(SnapshotRow, _S, found) if found else None

    def snapshots(self, disease: str, limit: int = 20) -> list[SnapshotRow]:
        query = (sa.select(*self._cols(SnapshotRow, _S)).where(_S.c.disease == disease)
                 .order_by(_S.c.id.desc()).limit(limit))  # fmt: skip
        with self._tx(write=False) as conn:
            return [_make(SnapshotRow, _S, r) for r in conn.execute(query)]

    def claim_snapshot(self, snapshot_id: int) -> bool:
        with self._tx() as conn:
            done = conn.execute(sa.update(_S).where(_S.c.id == snapshot_id,
                                                    _S.c.status == "queued")
                                .values(status="running"))  # fmt: skip
        return done.rowcount == 1

    def finish_snapshot(self, snapshot_id: int, *, at: int, result: str | None = None,
                        error: str | None = None) -> None:  # fmt: skip
        with self._tx() as conn:
            conn.execute(sa.update(_S).where(_S.c.id == snapshot_id).values(
                status="failed" if error else "done", finished_at=at, result=result,
                error=error))  # fmt: skip

    def snapshot_result(self, snapshot_id: int) -> str | None:
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(_S.c.result).where(
                _S.c.id == snapshot_id, _S.c.status == "done")).first()  # fmt: skip
        return str(found[0]) if found and found[0] is not None else None

    # -- the disease's current definition (until the lead's definitions are wired) -------
    def disease_content(self, code: str) -> str | None:
        """The JSON of the newest enabled version of a disease's definition."""
        found = self.disease_definition(code)
        return found[1] if found else None

    def disease_definition(self, code: str) -> tuple[int, str] | None:
        """(version, JSON) of the newest enabled version of a disease's definition."""
        query = (sa.select(ph_disease.c.version, ph_disease.c.content)
                 .where(ph_disease.c.code == code, ph_disease.c.enabled.is_(True))
                 .order_by(ph_disease.c.version.desc()))  # fmt: skip
        with self._tx(write=False) as conn:
            found = conn.execute(query).first()
        return (int(found[0]), str(found[1])) if found else None
