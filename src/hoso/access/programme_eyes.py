"""The school eye programme through the access layer: who may do what, over which
schools, and the audit entry each call leaves (`hoso.store.programme_eyes` keeps the rows).

- A ward health station's clinician works on the schools of the station's ward(s): their
  rosters, rounds, results, referrals; the operator on every school. Another ward's school,
  class, round, referral or child answers exactly as one that does not exist (404).
- Reaching a child is the programme's reach, not a care relationship: a child on a roster
  of a school the caller may see. Results are written with the server's authority
  (`run_as_server`) after that check — an Encounter at the caller's station, the
  Observations, a ServiceRequest for a failing child, and the screening row, in one
  transaction with one audit entry naming the child; stamped with the caller as source.
- Every read of children's data names them in the audit trail; counts are not personal.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import CREATE, READ
from hoso.core import clock, jsonx
from hoso.core.errors import FhirError, InvalidRequest, ResourceNotFound

__all__ = ["EyeAccess", "EyeRows", "Written"]

WORKERS = (roles.CLINICIAN, roles.OPERATOR)
STATUSES = ("screened", "absent", "refused")


class EyeRows(Protocol):
    """`hoso.store.programme_eyes.SqlEyeRegistry`."""

    def within(self, session: Any) -> EyeRows: ...
    def put_school(self, code: str, name: str, ward: str, now: int) -> tuple[int, str]: ...
    def school(self, school_id: int) -> dict[str, Any] | None: ...
    def schools(self, wards: Collection[str] | None) -> list[dict[str, Any]]: ...
    def put_class(self, school_id: int, year: str, name: str, grade: int | None) -> int: ...
    def klass(self, class_id: int) -> dict[str, Any] | None: ...
    def classes(self, school_id: int, year: str | None = None) -> list[dict[str, Any]]: ...
    def add_to_roster(self, class_id: int, patient_ids: Sequence[str], now: int) -> int: ...
    def roster(self, class_id: int) -> list[str]: ...
    def add_round(self, school_id: int, year: str, day: str, agent: str, now: int) -> int: ...
    def round(self, round_id: int) -> dict[str, Any] | None: ...
    def rounds(self, school_id: int) -> list[dict[str, Any]]: ...
    def put_screen(self, row: dict[str, Any]) -> None: ...
    def screens(self, round_id: int, class_id: int | None = None) -> list[dict[str, Any]]: ...
    def child_screens(self, patient_id: str) -> list[dict[str, Any]]: ...
    def roster_wards(self, patient_id: str) -> set[str]: ...
    def prevalence(self, wards: Collection[str] | None, year: str | None
                   ) -> list[dict[str, Any]]: ...  # fmt: skip
    def add_referral(self, row: dict[str, Any]) -> int: ...
    def referral_for(self, round_id: int, patient_id: str) -> dict[str, Any] | None: ...
    def referral(self, referral_id: int) -> dict[str, Any] | None: ...
    def referrals(self, wards: Collection[str] | None, *, school_id: int | None = None,
                  status: str | None = None, lapsed_before: str | None = None
                  ) -> list[dict[str, Any]]: ...  # fmt: skip
    def close_referral(self, referral_id: int, status: str, day: str, now: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Written:
    """What `run_as_server` audits of one child's result."""

    audit_patients: tuple[str, ...]
    audit_entities: tuple[str, ...]
    audit_description: str
    detail: dict[str, Any]


def not_found(what: str, key: object) -> ResourceNotFound:
    return ResourceNotFound(f"Không tìm thấy {what} {key} / {what} {key} not found")


class EyeAccess:
    def __init__(self, repo: Any, rows: EyeRows, wards: frozenset[str] | None) -> None:
        """`wards`: the wards the caller's station answers for (None: every ward, the
        operator's). A clinician of no station gets an empty set and sees nothing."""
        self.repo, self.rows = repo, rows
        self.wards = None if repo.principal.role == roles.OPERATOR else (wards or frozenset())

    @property
    def agent(self) -> str:
        return str(self.repo.principal.agent)

    def require_worker(self) -> None:
        if self.repo.principal.role not in WORKERS:
            raise policy.denied(self.repo.principal.role, "làm sàng lọc mắt / run eye screening")

    def _mine(self, ward: str | None) -> bool:
        return self.wards is None or ward in self.wards

    # -- schools, classes, rounds (not personal; scoped to the caller's wards) ----------
    def school(self, school_id: int) -> dict[str, Any]:
        self.require_worker()
        found = self.rows.school(school_id)
        if found is None or not self._mine(found["ward"]):
            raise not_found("trường / school", school_id)
        return found

    def schools(self) -> list[dict[str, Any]]:
        self.require_worker()
        return self.rows.schools(self.wards)

    def klass(self, class_id: int) -> dict[str, Any]:
        found = self.rows.klass(class_id)
        if found is None:
            self.require_worker()
            raise not_found("lớp / class", class_id)
        try:
            self.school(int(found["school_id"]))
        except ResourceNotFound:
            raise not_found("lớp / class", class_id) from None
        return found

    def classes(self, school_id: int, year: str | None = None) -> list[dict[str, Any]]:
        self.school(school_id)
        return self.rows.classes(school_id, year)

    def round(self, round_id: int) -> dict[str, Any]:
        found = self.rows.round(round_id)
        if found is None:
            self.require_worker()
            raise not_found("đợt khám / round", round_id)
        try:
            school = self.school(int(found["school_id"]))
        except ResourceNotFound:
            raise not_found("đợt khám / round", round_id) from None
        return {**found, "ward": school["ward"], "school_name": school["name"]}

    def open_round(self, school_id: int, day: date, school_year: str) -> dict[str, Any]:
        self.school(school_id)
        today = clock.now().astimezone(clock.VN_TZ).date()
        if not today - timedelta(days=400) <= day <= today + timedelta(days=60):
            raise InvalidRequest("day: trong 400 ngày qua hoặc 60 ngày tới / within the last "
                                 "400 or the next 60 days")  # fmt: skip
        round_id = self.rows.add_round(school_id, school_year, day.isoformat(), self.agent,
                                       clock.now_us())  # fmt: skip
        self.repo.audit(
            CREATE,
            "eye-round",
            entities=(f"eye-round:{round_id}",),
            description=f"đợt khám mắt / eye round school {school_id} {day}",
        )
        return self.round(round_id)

    def rounds(self, school_id: int) -> list[dict[str, Any]]:
        self.school(school_id)
        return self.rows.rounds(school_id)

    # -- rosters -------------------------------------------------------------------------
    def import_roster(self, rows: Sequence[Any], resolve: Callable[[Any], tuple[str | None, str]]
                      ) -> dict[str, Any]:  # fmt: skip
        """Schools, classes and children of a roster file; a row whose child the MPI does
        not match with certainty, or whose school is in a ward not the caller's, is
        reported by line, never guessed and never made into a new resident."""
        self.require_worker()
        now, problems, added, placed = clock.now_us(), [], 0, []
        by_class: dict[int, list[str]] = {}
        for row in rows:
            if not self._mine(row.school_ward):
                problems.append({"line": row.line, "field": "school_ward",
                                 "message": "phường khác / another ward"})  # fmt: skip
                continue
            school_id, ward = self.rows.put_school(row.school_code, row.school_name,
                                                   row.school_ward, now)  # fmt: skip
            if ward != row.school_ward:
                problems.append(
                    {
                        "line": row.line,
                        "field": "school_ward",
                        "message": f"trường đã ở phường / school is in ward {ward}",
                    }
                )
                continue
            patient_id, reason = resolve(row)
            if patient_id is None:
                problems.append({"line": row.line, "field": "cccd", "message": reason})
                continue
            class_id = self.rows.put_class(school_id, row.school_year, row.class_name, row.grade)
            by_class.setdefault(class_id, []).append(patient_id)
            placed.append(patient_id)
        for class_id, members in by_class.items():
            added += self.rows.add_to_roster(class_id, members, now)
        self.repo.audit(CREATE, "eye-roster", patients=tuple(dict.fromkeys(placed)),
                        entities=tuple(f"eye-class:{c}" for c in by_class),
                        description=f"danh sách lớp / class roster: {added} thêm / added, "
                                    f"{len(problems)} dòng lỗi / rows not placed")  # fmt: skip
        return {"rows": len(rows), "placed": len(placed), "added": added,
                "classes": len(by_class), "problems": problems,
                "placed_ids": list(dict.fromkeys(placed))}  # fmt: skip

    def search_patients(self, queries: list[list[tuple[str, str]]]) -> list[dict[str, Any]]:
        """The MPI's candidate searches for a roster row, over every resident: placing a
        named child on a roster of the caller's school is the programme's reach, not a
        care relationship. Only the matched child's id leaves the import (and its audit
        entry names them); candidates are never shown."""
        self.require_worker()
        found = []
        with self.repo.session() as s:
            for query in queries:
                found += [jsonx.loads(h.content) for h in s.search("Patient", query).matches]
        return found

    def people(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {}
        with self.repo.session() as s:
            for pid in ids:
                try:
                    found[pid] = jsonx.loads(s.read("Patient", pid).content)
                except FhirError:  # merged away or deleted: shown by id
                    found[pid] = {"id": pid}
        return found

    def class_sheet(self, round_id: int, class_id: int) -> dict[str, Any]:
        """The class's children (name, birth date, sex) with their status in the round:
        what the entry screen shows. Audited as a read naming every child."""
        found_round, found_class = self.round(round_id), self.klass(class_id)
        if found_class["school_id"] != found_round["school_id"]:
            raise not_found("lớp / class", class_id)
        ids = self.rows.roster(class_id)
        people = self.people(ids)
        done = {s["patient_id"]: s for s in self.rows.screens(round_id, class_id)}
        self.repo.audit(READ, "eye-class", patients=tuple(ids),
                        entities=(f"eye-round:{round_id}", f"eye-class:{class_id}"),
                        description="danh sách lớp khám mắt / eye class sheet")  # fmt: skip
        return {"round": found_round, "class": found_class, "people": people, "done": done,
                "ids": ids}  # fmt: skip

    def progress(self, round_id: int) -> list[dict[str, Any]]:
        found = self.round(round_id)
        screens = self.rows.screens(round_id)
        out = []
        for c in self.rows.classes(int(found["school_id"]), found["school_year"]):
            mine = [s for s in screens if s["class_id"] == c["id"]]
            counts = {k: sum(1 for s in mine if s["status"] == k) for k in STATUSES}
            out.append({"class_id": c["id"], "class": c["name"], "children": c["children"],
                        **counts, "failed": sum(1 for s in mine if s["outcome"] == "fail"),
                        "not_done": c["children"] - len(mine)})  # fmt: skip
        return out

    # -- results -----------------------------------------------------------------------
    def on_roster(self, round_id: int, class_id: int, patient_id: str) -> tuple[dict, dict]:
        found_round, found_class = self.round(round_id), self.klass(class_id)
        if found_class["school_id"] != found_round["school_id"] or \
                patient_id not in self.rows.roster(class_id):  # fmt: skip
            raise not_found("học sinh / child", patient_id[:64])
        return found_round, found_class

    def record(
        self,
        round_id: int,
        class_id: int,
        patient_id: str,
        write: Callable[[Any, dict[str, Any], EyeRows], Written],
    ) -> dict[str, Any]:
        """Write one child's status and result with the server's authority, after the
        programme's own check (a child on a roster of a school of the caller's ward)."""
        self.on_roster(round_id, class_id, patient_id)

        def run(session: Any, agent: dict[str, Any]) -> Written:
            return write(session, agent, self.rows.within(session))

        done: Written = self.repo.run_as_server("eye-screening", f"eye-round:{round_id}", run,
                                                allowed=(roles.CLINICIAN,))  # fmt: skip
        return done.detail

    def child(self, patient_id: str) -> dict[str, Any]:
        """A child's screenings (rows) and eye Observations/ServiceRequests, for the
        progression view: only a child on a roster of the caller's schools."""
        self.require_worker()
        pid = patient_id[:64]
        if not any(self._mine(ward) for ward in self.rows.roster_wards(pid)):
            raise not_found("học sinh / child", pid)
        with self.repo.session() as s:
            page = s.compartment(pid, ("Observation", "ServiceRequest"), count=1000)
            resources = [jsonx.loads(h.content) for h in page.matches]
            patient = jsonx.loads(s.read("Patient", pid).content)
        self.repo.audit(READ, "eye-child", patients=(pid,),
                        description="tiến triển thị lực / vision progression")  # fmt: skip
        return {"patient": patient, "resources": resources,
                "screens": self.rows.child_screens(pid)}  # fmt: skip

    # -- referrals and counts ------------------------------------------------------------
    def referrals(self, *, school_id: int | None = None, status: str | None = None,
                  lapsed_before: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
        if school_id is not None:
            self.school(school_id)
        else:
            self.require_worker()
        found = self.rows.referrals(self.wards, school_id=school_id, status=status,
                                    lapsed_before=lapsed_before)  # fmt: skip
        if found:
            self.repo.audit(READ, "eye-referral", patients=tuple(r["patient_id"] for r in found),
                            description="danh sách chuyển khám mắt / eye referrals")  # fmt: skip
        return found

    def referral(self, referral_id: int) -> dict[str, Any]:
        found = self.rows.referral(referral_id)
        if found is None or not self._mine(found["ward"]):
            self.require_worker()
            raise not_found("giấy chuyển / referral", referral_id)
        self.require_worker()
        return found

    def close_referral(
        self,
        referral_id: int,
        status: str,
        day: date,
        write: Callable[[Any, dict[str, Any]], Written],
    ) -> dict[str, Any]:
        found = self.referral(referral_id)
        if found["status"] != "open":
            raise InvalidRequest("Giấy chuyển đã đóng / the referral is already closed")

        def run(session: Any, agent: dict[str, Any]) -> Written:
            done = write(session, agent)
            self.rows.within(session).close_referral(referral_id, status, day.isoformat(),
                                                     clock.now_us())  # fmt: skip
            return done

        done: Written = self.repo.run_as_server("eye-referral", f"eye-referral:{referral_id}",
                                                run, allowed=(roles.CLINICIAN,))  # fmt: skip
        return {**found, "status": status, "closed": day.isoformat(), **done.detail}

    def prevalence(self, school_year: str | None) -> list[dict[str, Any]]:
        self.require_worker()
        return self.rows.prevalence(self.wards, school_year)
