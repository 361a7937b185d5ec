"""SQL of the school eye programme's state (`hoso.access.programme_eyes` is its only
user). `within(session)` binds the registry to a unit of work's connection, so a child's
Observations, their screening row and the audit entry commit together or not at all."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.store.engine import transaction
from hoso.store.programme_eyes_schema import (
    prog_eye_class,
    prog_eye_referral,
    prog_eye_roster,
    prog_eye_round,
    prog_eye_school,
    prog_eye_screen,
)

__all__ = ["SqlEyeRegistry"]

_S, _C, _R, _RD, _SC, _RF = (prog_eye_school, prog_eye_class, prog_eye_roster, prog_eye_round,
                             prog_eye_screen, prog_eye_referral)  # fmt: skip


def _dicts(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


class SqlEyeRegistry:
    def __init__(self, engine: sa.Engine, conn: sa.Connection | None = None) -> None:
        self.engine, self._conn = engine, conn

    def within(self, session: Any) -> SqlEyeRegistry:
        """This registry on a unit of work's connection (`AccessRepository.session`)."""
        return SqlEyeRegistry(self.engine, session.conn)

    @contextmanager
    def _tx(self, *, write: bool = True) -> Iterator[sa.Connection]:
        if self._conn is not None:
            yield self._conn
            return
        with transaction(self.engine, write=write) as conn:
            yield conn

    # -- schools, classes, rosters -----------------------------------------------------
    def put_school(self, code: str, name: str, ward: str, now: int) -> tuple[int, str]:
        """The school's id and ward (a known code keeps its ward: moving a school to
        another ward is not something a roster file may do)."""
        with self._tx() as conn:
            row = conn.execute(sa.select(_S.c.id, _S.c.ward).where(_S.c.code == code)).first()
            if row:
                return int(row.id), str(row.ward)
            new = conn.execute(
                sa.insert(_S).values(code=code, name=name, ward=ward, created_at=now)
            ).inserted_primary_key
            return int(new[0]), ward

    def school(self, school_id: int) -> dict[str, Any] | None:
        with self._tx(write=False) as conn:
            found = _dicts(conn.execute(sa.select(_S).where(_S.c.id == school_id)))
        return found[0] if found else None

    def schools(self, wards: Collection[str] | None) -> list[dict[str, Any]]:
        q = sa.select(_S).order_by(_S.c.ward, _S.c.name)
        if wards is not None:
            q = q.where(_S.c.ward.in_(sorted(wards)))
        with self._tx(write=False) as conn:
            return _dicts(conn.execute(q))

    def put_class(self, school_id: int, year: str, name: str, grade: int | None) -> int:
        with self._tx() as conn:
            same = (_C.c.school_id == school_id, _C.c.school_year == year, _C.c.name == name)
            row = conn.execute(sa.select(_C.c.id).where(*same)).first()
            if row:
                return int(row.id)
            return int(conn.execute(sa.insert(_C).values(
                school_id=school_id, school_year=year, name=name, grade=grade)
            ).inserted_primary_key[0])  # fmt: skip

    def klass(self, class_id: int) -> dict[str, Any] | None:
        with self._tx(write=False) as conn:
            found = _dicts(conn.execute(sa.select(_C).where(_C.c.id == class_id)))
        return found[0] if found else None

    def classes(self, school_id: int, year: str | None = None) -> list[dict[str, Any]]:
        size = sa.select(sa.func.count()).where(_R.c.class_id == _C.c.id).scalar_subquery()
        q = sa.select(_C, size.label("children")).where(_C.c.school_id == school_id)
        if year:
            q = q.where(_C.c.school_year == year)
        with self._tx(write=False) as conn:
            return _dicts(conn.execute(q.order_by(_C.c.school_year.desc(), _C.c.name)))

    def add_to_roster(self, class_id: int, patient_ids: Sequence[str], now: int) -> int:
        with self._tx() as conn:
            have = set(conn.execute(sa.select(_R.c.patient_id).where(_R.c.class_id == class_id)
                                    ).scalars())  # fmt: skip
            new = [p for p in dict.fromkeys(patient_ids) if p not in have]
            if new:
                conn.execute(sa.insert(_R), [{"class_id": class_id, "patient_id": p,
                                              "added_at": now} for p in new])  # fmt: skip
        return len(new)

    def roster(self, class_id: int) -> list[str]:
        with self._tx(write=False) as conn:
            return list(
                conn.execute(
                    sa.select(_R.c.patient_id)
                    .where(_R.c.class_id == class_id)
                    .order_by(_R.c.added_at, _R.c.patient_id)
                ).scalars()
            )

    # -- rounds and results -----------------------------------------------------------
    def add_round(self, school_id: int, year: str, day: str, agent: str, now: int) -> int:
        with self._tx() as conn:
            row = conn.execute(sa.select(_RD.c.id).where(_RD.c.school_id == school_id,
                                                         _RD.c.day == day)).first()  # fmt: skip
            if row:
                return int(row.id)
            return int(conn.execute(sa.insert(_RD).values(
                school_id=school_id, school_year=year, day=day, created_by=agent,
                created_at=now)).inserted_primary_key[0])  # fmt: skip

    def round(self, round_id: int) -> dict[str, Any] | None:
        with self._tx(write=False) as conn:
            found = _dicts(conn.execute(sa.select(_RD).where(_RD.c.id == round_id)))
        return found[0] if found else None

    def rounds(self, school_id: int) -> list[dict[str, Any]]:
        with self._tx(write=False) as conn:
            return _dicts(conn.execute(sa.select(_RD).where(_RD.c.school_id == school_id)
                                       .order_by(_RD.c.day.desc())))  # fmt: skip

    def put_screen(self, row: dict[str, Any]) -> None:
        """A child's status in a round, replacing what was recorded before."""
        with self._tx() as conn:
            conn.execute(sa.delete(_SC).where(_SC.c.round_id == row["round_id"],
                                              _SC.c.patient_id == row["patient_id"]))  # fmt: skip
            conn.execute(sa.insert(_SC).values(**row))

    def screens(self, round_id: int, class_id: int | None = None) -> list[dict[str, Any]]:
        q = sa.select(_SC).where(_SC.c.round_id == round_id)
        if class_id is not None:
            q = q.where(_SC.c.class_id == class_id)
        with self._tx(write=False) as conn:
            rows = _dicts(conn.execute(q))
        for r in rows:
            r["result"] = jsonx.loads(r["result"]) if r["result"] else None
        return rows

    def child_screens(self, patient_id: str) -> list[dict[str, Any]]:
        q = sa.select(_SC, _RD.c.day, _RD.c.school_year, _RD.c.school_id).join(
            _RD, _RD.c.id == _SC.c.round_id).where(_SC.c.patient_id == patient_id)  # fmt: skip
        with self._tx(write=False) as conn:
            return _dicts(conn.execute(q.order_by(_RD.c.day)))

    def roster_wards(self, patient_id: str) -> set[str]:
        """The wards of the schools whose rosters name the child (any school year)."""
        q = (sa.select(_S.c.ward).join(_C, _C.c.school_id == _S.c.id)
             .join(_R, _R.c.class_id == _C.c.id).where(_R.c.patient_id == patient_id))  # fmt: skip
        with self._tx(write=False) as conn:
            return set(conn.execute(q.distinct()).scalars())

    def prevalence(self, wards: Collection[str] | None, year: str | None) -> list[dict[str, Any]]:
        """Screened, failed, refracted and myopic children per ward, school, age and sex
        (a child's latest screened round in the year counts once)."""
        latest = sa.select(_SC.c.patient_id, sa.func.max(_RD.c.day).label("day")).join(
            _RD, _RD.c.id == _SC.c.round_id).where(_SC.c.status == "screened")  # fmt: skip
        if year:
            latest = latest.where(_RD.c.school_year == year)
        latest = latest.group_by(_SC.c.patient_id).subquery()
        myopic = sa.case((_SC.c.myopia.in_(("myopia", "high")), 1), else_=0)
        q = (sa.select(_S.c.ward, _S.c.code.label("school"), _SC.c.age, _SC.c.sex,
                       sa.func.count().label("screened"),
                       sa.func.sum(sa.case((_SC.c.outcome == "fail", 1), else_=0)).label("failed"),
                       sa.func.sum(sa.case((_SC.c.myopia.is_not(None), 1), else_=0)
                                   ).label("refracted"),
                       sa.func.sum(myopic).label("myopia"))
             .select_from(_SC).join(_RD, _RD.c.id == _SC.c.round_id)
             .join(_S, _S.c.id == _RD.c.school_id)
             .join(latest, sa.and_(latest.c.patient_id == _SC.c.patient_id,
                                   latest.c.day == _RD.c.day))
             .where(_SC.c.status == "screened")
             .group_by(_S.c.ward, _S.c.code, _SC.c.age, _SC.c.sex))  # fmt: skip
        if wards is not None:
            q = q.where(_S.c.ward.in_(sorted(wards)))
        with self._tx(write=False) as conn:
            return _dicts(conn.execute(q))

    # -- referrals --------------------------------------------------------------------
    def add_referral(self, row: dict[str, Any]) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.insert(_RF).values(**row)).inserted_primary_key[0])

    def referral_for(self, round_id: int, patient_id: str) -> dict[str, Any] | None:
        with self._tx(write=False) as conn:
            found = _dicts(conn.execute(sa.select(_RF).where(
                _RF.c.round_id == round_id, _RF.c.patient_id == patient_id)))  # fmt: skip
        return found[0] if found else None

    def referral(self, referral_id: int) -> dict[str, Any] | None:
        with self._tx(write=False) as conn:
            found = _dicts(conn.execute(sa.select(_RF).where(_RF.c.id == referral_id)))
        return found[0] if found else None

    def referrals(self, wards: Collection[str] | None, *, school_id: int | None = None,
                  status: str | None = None, lapsed_before: str | None = None
                  ) -> list[dict[str, Any]]:  # fmt: skip
        q = sa.select(_RF, _S.c.name.label("school_name")).join(_S, _S.c.id == _RF.c.school_id)
        if wards is not None:
            q = q.where(_RF.c.ward.in_(sorted(wards)))
        if school_id is not None:
            q = q.where(_RF.c.school_id == school_id)
        if status:
            q = q.where(_RF.c.status == status)
        if lapsed_before:
            q = q.where(_RF.c.lapse_on < lapsed_before)
        with self._tx(write=False) as conn:
            return _dicts(conn.execute(q.order_by(_RF.c.lapse_on, _RF.c.id).limit(5000)))

    def close_referral(self, referral_id: int, status: str, day: str, now: int) -> None:
        with self._tx() as conn:
            conn.execute(sa.update(_RF).where(_RF.c.id == referral_id).values(
                status=status, closed=day, updated_at=now))  # fmt: skip
