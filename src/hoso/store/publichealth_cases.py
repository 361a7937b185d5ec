"""SQL of disease definitions and case reports (`hoso.access.publichealth_cases` is its
only user). Applying a piece of evidence is one transaction: the evidence row is
unique per resource version, so a change the detector sees twice (a crash before its
cursor moved) adds nothing; the plan is made inside the transaction from the cases as
they are then, so an officer's reclassification and new evidence cannot interleave.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.store.engine import transaction
from hoso.store.publichealth_schema import (
    ph_case,
    ph_case_event,
    ph_case_evidence,
    ph_case_officer,
    ph_disease,
    ph_officer_ward,
)

__all__ = ["CaseRow", "DefinitionRow", "OpenCaseRow", "SqlCaseRegistry"]

_C, _E, _V, _O, _D, _W = ph_case, ph_case_event, ph_case_evidence, ph_case_officer, ph_disease, \
    ph_officer_ward  # fmt: skip


@dataclass(frozen=True, slots=True)
class DefinitionRow:
    code: str
    version: int
    content: str
    enabled: bool
    created_by: str
    created_at: int


@dataclass(frozen=True, slots=True)
class OpenCaseRow:
    id: int
    classification: str
    severity: str | None
    onset_date: str
    last_onset_date: str


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    disease: str
    definition_version: int
    patient_id: str
    classification: str
    severity: str | None
    status: str
    onset_date: str
    last_onset_date: str | None
    report_date: str
    diagnosed_at: int
    reported_at: int
    deadline_at: int
    last_evidence_at: int
    ward: str | None
    facility: str | None
    isolation_date: str | None
    outcome: str | None
    epi: str
    created_at: int
    updated_at: int


class Plan(Protocol):
    """`hoso.publichealth.cases.CasePlan`, as the store reads it."""

    @property
    def case_id(self) -> int | None: ...
    @property
    def classification(self) -> str: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def onset_date(self) -> str: ...
    @property
    def last_onset_date(self) -> str: ...
    @property
    def events(self) -> list[tuple[str, dict[str, Any]]]: ...


class EvidenceItem(Protocol):
    """`hoso.publichealth.case_detection.EvidenceItem`: one piece of evidence to apply."""

    @property
    def disease(self) -> str: ...
    @property
    def definition_version(self) -> int: ...
    @property
    def patient_id(self) -> str: ...
    @property
    def key(self) -> tuple[str, str, int]: ...  # resource type, id, version
    @property
    def new_case(self) -> dict[str, Any]: ...  # the columns of a case it would open
    def planner(self, open_cases: list[OpenCaseRow]) -> Plan: ...


@dataclass(frozen=True, slots=True)
class _NewCase:
    classification: str
    onset_date: str
    last_onset_date: str
    events: list[tuple[str, dict[str, Any]]]
    case_id: int | None = None
    severity: str | None = None


@dataclass(frozen=True, slots=True)
class _Opened:
    disease: str
    definition_version: int
    patient_id: str
    new_case: dict[str, Any]


_CASE_COLUMNS = [_C.c[name] for name in CaseRow.__dataclass_fields__]


class SqlCaseRegistry:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    # -- definitions -----------------------------------------------------------------------
    def add_definition(self, code: str, content: str, enabled: bool, agent: str, now: int
                       ) -> int:  # fmt: skip
        """Store a new version of `code`'s definition; its version number."""
        with self._tx() as conn:
            last = conn.execute(sa.select(sa.func.max(_D.c.version)).where(_D.c.code == code))
            version = int(last.scalar() or 0) + 1
            conn.execute(sa.insert(_D).values(code=code, version=version, content=content,
                                              enabled=enabled, created_by=agent,
                                              created_at=now))  # fmt: skip
        return version

    def definitions(self, code: str | None = None, *, every_version: bool = False
                    ) -> list[DefinitionRow]:  # fmt: skip
        """The latest version of every disease (or every version of `code`)."""
        cols = [_D.c[name] for name in DefinitionRow.__dataclass_fields__]
        query = sa.select(*cols).order_by(_D.c.code, _D.c.version)
        if code is not None:
            query = query.where(_D.c.code == code)
        if not every_version:
            latest = (sa.select(_D.c.code, sa.func.max(_D.c.version).label("v"))
                      .group_by(_D.c.code).subquery())  # fmt: skip
            query = query.join(latest, sa.and_(latest.c.code == _D.c.code,
                                               latest.c.v == _D.c.version))  # fmt: skip
        with self._tx(write=False) as conn:
            return [DefinitionRow(str(r[0]), int(r[1]), str(r[2]), bool(r[3]), str(r[4]),
                                  int(r[5])) for r in conn.execute(query)]  # fmt: skip

    def max_definition_version(self) -> tuple[int, int]:
        """(number of rows, newest created_at): changes whenever a definition is added."""
        with self._tx(write=False) as conn:
            n, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(_D.c.created_at))
                                     ).one()  # fmt: skip
        return int(n), int(newest or 0)

    # -- evidence --------------------------------------------------------------------------
    def apply_evidence(self, items: Sequence[EvidenceItem], now: int
                       ) -> list[tuple[int, bool] | None]:  # fmt: skip
        """Apply pieces of evidence in one transaction, in order: for each, (case id,
        created), or None when it was applied before (its resource version is known)."""
        with self._tx() as conn:
            return [self._apply(conn, item, now) for item in items]

    def _apply(self, conn: sa.Connection, item: EvidenceItem, now: int
               ) -> tuple[int, bool] | None:  # fmt: skip
        key = item.key
        if conn.execute(sa.select(_V.c.case_id).where(
                _V.c.resource_type == key[0], _V.c.resource_id == key[1],
                _V.c.version == key[2])).first():  # fmt: skip
            return None
        plan = item.planner(self._open_cases(conn, item.patient_id, item.disease))
        created = plan.case_id is None
        if created:
            case_id = self._insert_case(conn, plan, item, now)
        else:
            case_id = int(plan.case_id)  # type: ignore[arg-type]
            latest = (sa.func.max if conn.dialect.name == "sqlite" else sa.func.greatest)(
                _C.c.last_evidence_at, item.new_case["last_evidence_at"])
            conn.execute(sa.update(_C).where(_C.c.id == case_id).values(
                classification=plan.classification, severity=plan.severity,
                onset_date=plan.onset_date, last_onset_date=plan.last_onset_date,
                last_evidence_at=latest, updated_at=now))  # fmt: skip
        conn.execute(sa.insert(_V).values(case_id=case_id, resource_type=key[0],
                                          resource_id=key[1], version=key[2], at=now))  # fmt: skip
        self._events(conn, case_id, plan.events, "system:case-detection", now)
        return case_id, created

    def open_case(self, *, disease: str, definition_version: int, patient_id: str,
                  classification: str, new_case: dict[str, Any], event: dict[str, Any],
                  agent: str, now: int) -> int:  # fmt: skip
        """A case opened by a person, not from the record (a contact under follow-up
        who falls ill): linked to the ward's officers and, if an officer, to its maker."""
        day = new_case["onset_date"]
        plan = _NewCase(classification, day, day, [("created", event)])
        with self._tx() as conn:
            item = _Opened(disease, definition_version, patient_id, new_case)
            case_id = self._insert_case(conn, plan, item, now)  # type: ignore[arg-type]
            self._events(conn, case_id, plan.events, agent, now)
            if agent.startswith("account:"):
                linked = sa.select(_O.c.officer).where(_O.c.case_id == case_id,
                                                       _O.c.officer == agent)  # fmt: skip
                if conn.execute(linked).first() is None:
                    conn.execute(sa.insert(_O).values(case_id=case_id, officer=agent, since=now))
        return case_id

    def _open_cases(self, conn: sa.Connection, patient_id: str, disease: str
                    ) -> list[OpenCaseRow]:  # fmt: skip
        rows = conn.execute(sa.select(_C.c.id, _C.c.classification, _C.c.severity,
                                      _C.c.onset_date, _C.c.last_onset_date)
                            .where(_C.c.patient_id == patient_id, _C.c.disease == disease,
                                   _C.c.status == "open"))  # fmt: skip
        return [OpenCaseRow(int(r[0]), str(r[1]), r[2], str(r[3]), str(r[4] or r[3]))
                for r in rows]  # fmt: skip

    def _insert_case(self, conn: sa.Connection, plan: Plan, item: EvidenceItem, now: int
                     ) -> int:  # fmt: skip
        new_case = item.new_case
        values = {"disease": item.disease, "definition_version": item.definition_version,
                  "patient_id": item.patient_id,
                  "classification": plan.classification, "severity": plan.severity,
                  "status": "open", "onset_date": plan.onset_date,
                  "last_onset_date": plan.last_onset_date, "epi": "{}",
                  "created_at": now, "updated_at": now, **new_case}  # fmt: skip
        case_id = int(conn.execute(sa.insert(_C).values(**values)).inserted_primary_key[0])
        ward = new_case.get("ward")
        if ward:
            officers = conn.execute(sa.select(_W.c.officer).where(_W.c.ward == ward)).scalars()
            for officer in officers:
                conn.execute(sa.insert(_O).values(case_id=case_id, officer=officer, since=now))
        return case_id

    def _events(self, conn: sa.Connection, case_id: int,
                events: Sequence[tuple[str, dict[str, Any]]], agent: str, now: int) -> None:
        for kind, value in events:
            conn.execute(sa.insert(_E).values(case_id=case_id, at=now, kind=kind, agent=agent,
                                              value=jsonx.dumps_str(value)))  # fmt: skip

    def withdraw_evidence(self, resource_type: str, resource_id: str, now: int) -> list[int]:
        """Note on every case made from this resource that it was withdrawn (refuted,
        entered in error, deleted); the officer decides what it means for the case."""
        with self._tx() as conn:
            found = conn.execute(sa.select(_V.c.case_id).where(
                _V.c.resource_type == resource_type, _V.c.resource_id == resource_id))
            cases = sorted({int(c) for c in found.scalars()})
            for case_id in cases:
                self._events(conn, case_id, [("evidence-withdrawn", {
                    "resource": f"{resource_type}/{resource_id}"})],
                    "system:case-detection", now)  # fmt: skip
        return cases

    # -- reading and changing cases --------------------------------------------------------
    def case(self, case_id: int) -> CaseRow | None:
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(*_CASE_COLUMNS).where(_C.c.id == case_id)).first()
        return CaseRow(*found) if found else None

    def cases(self, *, officer: str | None, disease: str | None = None,
              classification: str | None = None, ward: str | None = None,
              facility: str | None = None, offset: int = 0, limit: int = 50) -> list[CaseRow]:
        """Cases newest first, those linked to `officer` only when given."""
        query = self._filtered(sa.select(*_CASE_COLUMNS), officer, disease, classification,
                               ward, facility)  # fmt: skip
        query = query.order_by(_C.c.id.desc()).offset(offset).limit(limit)
        with self._tx(write=False) as conn:
            return [CaseRow(*r) for r in conn.execute(query)]

    def count(self, *, officer: str | None, disease: str | None = None,
              classification: str | None = None, ward: str | None = None,
              facility: str | None = None) -> int:  # fmt: skip
        query = self._filtered(sa.select(sa.func.count()).select_from(_C), officer, disease,
                               classification, ward, facility)  # fmt: skip
        with self._tx(write=False) as conn:
            return int(conn.execute(query).scalar() or 0)

    @staticmethod
    def _filtered(query: Any, officer: str | None, disease: str | None,
                  classification: str | None, ward: str | None, facility: str | None) -> Any:
        if officer is not None:
            linked = sa.select(_O.c.case_id).where(_O.c.officer == officer)
            query = query.where(_C.c.id.in_(linked))
        for column, value in (("disease", disease), ("classification", classification),
                              ("ward", ward), ("facility", facility)):  # fmt: skip
            if value is not None:
                query = query.where(_C.c[column] == value)
        return query

    def update_case(self, case_id: int, changes: dict[str, Any],
                    events: Sequence[tuple[str, dict[str, Any]]], agent: str, now: int) -> None:
        with self._tx() as conn:
            conn.execute(sa.update(_C).where(_C.c.id == case_id)
                         .values(**changes, updated_at=now))  # fmt: skip
            self._events(conn, case_id, events, agent, now)

    def events(self, case_id: int) -> list[tuple[int, str, str, str]]:
        """(at, kind, value JSON, agent), oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(sa.select(_E.c.at, _E.c.kind, _E.c.value, _E.c.agent)
                                .where(_E.c.case_id == case_id).order_by(_E.c.id))  # fmt: skip
            return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def evidence(self, case_id: int) -> list[tuple[str, str, int, int]]:
        with self._tx(write=False) as conn:
            rows = conn.execute(sa.select(_V.c.resource_type, _V.c.resource_id, _V.c.version,
                                          _V.c.at).where(_V.c.case_id == case_id)
                                .order_by(_V.c.at))  # fmt: skip
            return [(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]

    def officers(self, case_id: int) -> list[str]:
        with self._tx(write=False) as conn:
            return sorted(str(o) for o in conn.execute(
                sa.select(_O.c.officer).where(_O.c.case_id == case_id)).scalars())  # fmt: skip

    def link_officer(self, case_id: int, officer: str, agent: str, now: int) -> bool:
        """Link `officer` to the case (False: already linked)."""
        with self._tx() as conn:
            linked = sa.select(_O.c.officer).where(_O.c.case_id == case_id,
                                                   _O.c.officer == officer)  # fmt: skip
            if conn.execute(linked).first():
                return False
            conn.execute(sa.insert(_O).values(case_id=case_id, officer=officer, since=now))
            self._events(conn, case_id, [("officer", {"linked": officer})], agent, now)
        return True

    def set_officer_ward(self, officer: str, ward: str, *, add: bool, now: int) -> int:
        """Make `officer` answer for `ward` (or no longer): an officer added takes the
        ward's open cases too; one removed keeps the cases already linked (a handover
        is explicit). How many cases were linked."""
        with self._tx() as conn:
            conn.execute(sa.delete(_W).where(_W.c.officer == officer, _W.c.ward == ward))
            if not add:
                return 0
            conn.execute(sa.insert(_W).values(officer=officer, ward=ward))
            linked = sa.select(_O.c.case_id).where(_O.c.officer == officer)
            open_cases = conn.execute(sa.select(_C.c.id).where(
                _C.c.ward == ward, _C.c.status == "open", _C.c.id.not_in(linked))).scalars()
            taken = [int(c) for c in open_cases]
            if taken:
                conn.execute(sa.insert(_O), [{"case_id": c, "officer": officer, "since": now}
                                             for c in taken])  # fmt: skip
            return len(taken)

    def overdue_by_facility(self, since: int, until: int
                            ) -> list[tuple[str | None, int, int, float]]:  # fmt: skip
        """Per reporting facility, cases reported from `since` to `until`: (facility,
        reported, past their deadline, worst delay past the deadline in hours)."""
        late = sa.case((_C.c.reported_at > _C.c.deadline_at, 1), else_=0)
        past = sa.case((_C.c.reported_at > _C.c.deadline_at,
                        _C.c.reported_at - _C.c.deadline_at), else_=0)  # fmt: skip
        query = (sa.select(_C.c.facility, sa.func.count(), sa.func.sum(late), sa.func.max(past))
                 .where(_C.c.reported_at >= since, _C.c.reported_at < until)
                 .group_by(_C.c.facility)
                 .order_by(sa.func.sum(late).desc(), _C.c.facility))  # fmt: skip
        with self._tx(write=False) as conn:
            return [(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0) / 3_600_000_000)
                    for r in conn.execute(query)]  # fmt: skip
