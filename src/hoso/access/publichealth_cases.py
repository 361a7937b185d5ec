"""Disease definitions and case reports through the access layer: who may do what, and
the audit entry each call leaves (`hoso.store.publichealth_cases` keeps the rows).

- The case-detection job (the operator's principal) applies evidence from the record.
- A public-health officer reads and changes only the cases linked to them (the case
  link: `ph_case_officer`); another officer's case answers exactly as a case that does
  not exist (404). Counts of all cases are not personal data and are open to officers.
- Officers and the operator add disease definitions; staff may read them.
- Which officers answer for a ward (new cases there are linked to them): the operator.
Every read of a case names its person in the audit trail; every change names the agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import CREATE, EXECUTE, MINOR_FAILURE, READ, UPDATE
from hoso.core import clock
from hoso.core.errors import ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["CaseAccess", "CaseRows"]

CASE_WORKERS = (roles.OFFICER, roles.OPERATOR)
DEFINITION_READERS = (roles.OFFICER, roles.OPERATOR, roles.CLINICIAN, roles.FACILITY_SYSTEM,
                      roles.STEWARD)  # fmt: skip


class CaseRecord(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def patient_id(self) -> str: ...


class CaseRows(Protocol):
    """`hoso.store.publichealth_cases.SqlCaseRegistry`."""

    def add_definition(self, code: str, content: str, enabled: bool, agent: str, now: int
                       ) -> int: ...  # fmt: skip
    def definitions(self, code: str | None = None, *, every_version: bool = False
                    ) -> list[Any]: ...  # fmt: skip
    def max_definition_version(self) -> tuple[int, int]: ...
    def apply_evidence(self, items: Sequence[Any], now: int
                       ) -> list[tuple[int, bool] | None]: ...  # fmt: skip
    def withdraw_evidence(self, resource_type: str, resource_id: str, now: int
                          ) -> list[int]: ...  # fmt: skip
    def open_case(self, *, disease: str, definition_version: int, patient_id: str,
                  classification: str, new_case: dict[str, Any], event: dict[str, Any],
                  agent: str, now: int) -> int: ...
    def case(self, case_id: int) -> Any: ...
    def cases(self, *, officer: str | None, **filters: Any) -> list[Any]: ...
    def count(self, *, officer: str | None, **filters: Any) -> int: ...
    def update_case(self, case_id: int, changes: dict[str, Any],
                    events: Sequence[tuple[str, dict[str, Any]]], agent: str, now: int
                    ) -> None: ...  # fmt: skip
    def events(self, case_id: int) -> list[tuple[int, str, str, str]]: ...
    def evidence(self, case_id: int) -> list[tuple[str, str, int, int]]: ...
    def officers(self, case_id: int) -> list[str]: ...
    def link_officer(self, case_id: int, officer: str, agent: str, now: int) -> bool: ...
    def set_officer_ward(self, officer: str, ward: str, *, add: bool, now: int) -> int: ...
    def overdue_by_facility(self, since: int, until: int
                            ) -> list[tuple[str | None, int, int, float]]: ...  # fmt: skip


def _not_found(case_id: int) -> ResourceNotFound:
    return ResourceNotFound(f"Không tìm thấy ca bệnh {case_id} / case {case_id} not found")


class CaseAccess:
    def __init__(self, repo: AccessRepository, rows: CaseRows) -> None:
        self.repo, self.rows = repo, rows

    @property
    def agent(self) -> str:
        return self.repo.principal.agent

    @property
    def role(self) -> str:
        return self.repo.principal.role

    def _require(self, allowed: Sequence[str], what: str) -> None:
        if self.role not in allowed:
            raise policy.denied(self.role, what)

    # -- definitions -----------------------------------------------------------------------
    def check_definition_writer(self) -> None:
        self._require(CASE_WORKERS, "thêm định nghĩa bệnh / add a disease definition")

    def add_definition(self, code: str, content: str, enabled: bool) -> int:
        self.check_definition_writer()
        version = self.rows.add_definition(code, content, enabled, self.agent, clock.now_us())
        self.repo.audit(CREATE, "disease-definition", entities=(f"disease:{code}/{version}",),
                        description=f"định nghĩa bệnh / disease definition {code} v{version}",
                        )  # fmt: skip
        return version

    def definitions(self, code: str | None = None, *, every_version: bool = False
                    ) -> list[Any]:  # fmt: skip
        self._require(DEFINITION_READERS, "đọc định nghĩa bệnh / read disease definitions")
        return self.rows.definitions(code, every_version=every_version)

    def definitions_stamp(self) -> tuple[int, int]:
        return self.rows.max_definition_version()

    # -- the detection job -----------------------------------------------------------------
    def apply_evidence(self, items: Sequence[Any]) -> list[tuple[int, bool] | None]:
        """Apply the detector's evidence (one transaction); one audit entry per batch,
        naming the persons whose cases were made or changed."""
        self._require((roles.OPERATOR,), "ghi ca bệnh / write cases")
        done = self.rows.apply_evidence(items, clock.now_us())
        applied = [(item, result) for item, result in zip(items, done, strict=True) if result]
        if applied:
            made = sum(1 for _item, (_case, created) in applied if created)
            self.repo.audit(CREATE if made else UPDATE, "case-report",
                            patients=tuple(item.patient_id for item, _result in applied),
                            entities=tuple(dict.fromkeys(f"case:{r[0]}" for _i, r in applied)),
                            description=f"ca bệnh mới / new cases {made}, cập nhật / updated "
                                        f"{len(applied) - made}")  # fmt: skip
        return done

    def withdraw_evidence(self, resource_type: str, resource_id: str) -> list[int]:
        self._require((roles.OPERATOR,), "ghi ca bệnh / write cases")
        cases = self.rows.withdraw_evidence(resource_type, resource_id, clock.now_us())
        if cases:
            self.repo.audit(UPDATE, "case-report", entities=tuple(f"case:{c}" for c in cases),
                            description=f"bằng chứng rút lại / evidence withdrawn "
                                        f"{resource_type}/{resource_id}")  # fmt: skip
        return cases

    def open_case(self, *, disease: str, definition_version: int, patient_id: str,
                  new_case: dict[str, Any], event: dict[str, Any]) -> int:
        """A suspected case opened by an officer or a ward station's staff (a contact
        under follow-up who falls ill), linked to its ward's officers and its maker."""
        self._require((roles.OFFICER, roles.OPERATOR, roles.CLINICIAN),
                      "mở ca bệnh / open a case")  # fmt: skip
        case_id = self.rows.open_case(disease=disease, definition_version=definition_version,
                                      patient_id=patient_id, classification="suspected",
                                      new_case=new_case, event=event, agent=self.agent,
                                      now=clock.now_us())  # fmt: skip
        self.repo.audit(CREATE, "case-report", patients=(patient_id,),
                        entities=(f"case:{case_id}",),
                        description=f"ca nghi ngờ / suspected case {disease}")  # fmt: skip
        return case_id

    def set_officer_ward(self, officer: str, ward: str, *, add: bool) -> int:
        """How many open cases of the ward the officer took."""
        self._require((roles.OPERATOR,), "phân công địa bàn / assign wards")
        taken = self.rows.set_officer_ward(officer, ward, add=add, now=clock.now_us())
        self.repo.audit(UPDATE, "case-officer", entities=(f"ward:{ward}", officer),
                        description=(f"thêm / add, {taken} ca / cases" if add
                                     else "bỏ / remove"))  # fmt: skip
        return taken

    # -- officers --------------------------------------------------------------------------
    def _linked(self) -> str | None:
        """The officer whose links restrict what is seen (None: the operator sees all)."""
        return None if self.role == roles.OPERATOR else self.agent

    def case(self, case_id: int) -> Any:
        """One case (with its history, evidence and officers) if linked to the caller."""
        self._require(CASE_WORKERS, "đọc ca bệnh / read cases")
        found = self.rows.case(case_id)
        officer = self._linked()
        if found is None or (officer and officer not in self.rows.officers(case_id)):
            self.repo.audit(READ, "case-report", outcome=MINOR_FAILURE,
                            entities=(f"case:{case_id}",), description="404")  # fmt: skip
            raise _not_found(case_id)
        self.repo.audit(READ, "case-report", patients=(found.patient_id,),
                        entities=(f"case:{case_id}",))  # fmt: skip
        return found

    def history(self, case_id: int) -> dict[str, Any]:
        self.case(case_id)  # decides and audits
        return {"events": self.rows.events(case_id), "evidence": self.rows.evidence(case_id),
                "officers": self.rows.officers(case_id)}  # fmt: skip

    def cases(self, *, offset: int, limit: int, **filters: Any) -> tuple[list[Any], int, int]:
        """(the caller's cases on this page, how many are theirs, how many in all). The
        count of all is the city's (by disease and classification, never by ward or
        facility for an officer): a ward's small counts are the dashboard's to show or
        suppress (docs/surveillance-dashboard.md), not this list's."""
        self._require(CASE_WORKERS, "đọc ca bệnh / read cases")
        officer = self._linked()
        page = self.rows.cases(officer=officer, offset=offset, limit=limit, **filters)
        mine = self.rows.count(officer=officer, **filters)
        city = {k: v for k, v in filters.items() if k in ("disease", "classification")}
        every = mine if officer is None else self.rows.count(officer=None, **city)
        if page:
            self.repo.audit(READ, "case-report", patients=tuple(c.patient_id for c in page),
                            entities=tuple(f"case:{c.id}" for c in page))  # fmt: skip
        return page, mine, every

    def change_case(self, case_id: int, changes: dict[str, Any],
                    events: Sequence[tuple[str, dict[str, Any]]]) -> Any:  # fmt: skip
        found = self.case(case_id)
        self.rows.update_case(case_id, changes, events, self.agent, clock.now_us())
        self.repo.audit(UPDATE, "case-report", patients=(found.patient_id,),
                        entities=(f"case:{case_id}",),
                        description=", ".join(kind for kind, _ in events))  # fmt: skip
        return self.rows.case(case_id)

    def link_officer(self, case_id: int, officer: str) -> bool:
        found = self.case(case_id)
        linked = self.rows.link_officer(case_id, officer, self.agent, clock.now_us())
        self.repo.audit(UPDATE, "case-officer", patients=(found.patient_id,),
                        entities=(f"case:{case_id}", officer))  # fmt: skip
        return linked

    def overdue_by_facility(self, since: int, until: int
                            ) -> list[tuple[str | None, int, int, float]]:  # fmt: skip
        self._require(CASE_WORKERS, "xem báo cáo trễ hạn / read overdue reports")
        self.repo.audit(EXECUTE, "case-overdue", description="theo cơ sở / per facility")
        return self.rows.overdue_by_facility(since, until)
