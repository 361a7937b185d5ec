"""Who may read a programme's monthly report (issue 19 point 7), and the audit of each:
the report's rows are the enrolled residents' ward, age band, sex and measures — no
identity leaves this class, only what the counts are made of.

- The operator (the CLI) and public-health officers: any ward, or the city;
- a ward health station's clinician: their station's wards (another ward: 404, as a
  ward with nothing; the city: 403 — a station reports its own ward);
- every other role: 403.
Each report read is one audit entry naming the programme, month and ward.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from hoso.access import claims as roles
from hoso.access.audit_record import READ
from hoso.core import jsonx
from hoso.core.errors import Forbidden, ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["EnrolledRows", "ProgrammeReports", "ReportInput"]

ReportInput = tuple[str | None, str, str, dict[str, Any]]  # ward, age band, sex, measures


class EnrolledRows(Protocol):
    """`hoso.store.programme_rows.SqlProgrammeRows.enrolled`."""

    def enrolled(self, programme: str, wards: Sequence[str] | None) -> Iterator[Any]: ...


class ProgrammeReports:
    def __init__(self, repo: AccessRepository, rows: EnrolledRows,
                 station_wards: Callable[[str], frozenset[str]],
                 population: Callable[[int], dict[str, int]]) -> None:  # fmt: skip
        """`population(year)`: residents per ward (issue 18's `ph_population`)."""
        self.repo, self.rows = repo, rows
        self.station_wards, self._population = station_wards, population

    def _wards(self, ward: str | None) -> list[str] | None:
        p = self.repo.principal
        if p.role in (roles.OPERATOR, roles.OFFICER):
            return None if ward is None else [ward]
        mine = self.station_wards(p.facility) if p.role == roles.CLINICIAN and p.facility \
            else frozenset()  # fmt: skip
        if not mine:
            raise Forbidden("Chỉ trạm y tế, cán bộ y tế dự phòng được xem báo cáo chương trình "
                            "/ Only ward health stations and public-health officers may read "
                            "programme reports")  # fmt: skip
        if ward is None:
            raise Forbidden("Trạm y tế chỉ xem báo cáo phường/xã của mình; hãy chọn phường "
                            "/ A station reads its own ward's report; choose the ward")  # fmt: skip
        if ward not in mine:
            raise ResourceNotFound("Không tìm thấy phường/xã / Ward not found")
        return [ward]

    def rows_for(self, programme: str, month: str, ward: str | None
                 ) -> tuple[list[ReportInput], dict[str, int]]:  # fmt: skip
        """The rows of the report and the population per ward of the month's year."""
        entity = f"programme/{programme}"

        def run() -> tuple[list[ReportInput], dict[str, int]]:
            wards = self._wards(ward)
            found = [(r.ward, r.age_band, r.sex, _measures(r.measures))
                     for r in self.rows.enrolled(programme, wards)]  # fmt: skip
            people = self._population(int(month[:4]))
            self.repo.audit(READ, "programme-report", entities=(entity,),
                            query=f"month={month}&ward={ward or ''}")  # fmt: skip
            return found, people

        return self.repo.guarded(READ, "programme-report", entity, run)


def _measures(text: str) -> dict[str, Any]:
    try:
        found = jsonx.loads(text)
    except ValueError:  # a row written by hand that no longer parses counts as no measures
        return {}
    return found if isinstance(found, dict) else {}
