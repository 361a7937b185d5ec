"""Cohorts behind the access layer (issue 19 point 6; docs/programmes-cohorts-reports.md):
who may define a cohort, see its counts, its members, and export them for a campaign.

- Define (a new cohort, or a new version of one): public-health officers and the
  operator; everyone else 403, decided before the body is read.
- Counts by ward, age band and sex: officers and the operator for every ward; a ward
  health station's clinician for their station's wards (another ward: 404, as for a
  ward with nothing); others 403.
- Members and the campaign CSV: the operator identified; an officer de-identified
  (pseudonyms, as everything an officer reads); a station clinician their own wards'
  members identified (they are the station's residents to call in).
- A restricted cohort (TB, HIV): counts only, for everyone but the operator; its
  counts per ward are cut to ward totals, and a total of 1–4 is shown as "<5" except to
  the officers who answer for that ward (ph_officer_ward) and the operator, as on the
  surveillance dashboard (hoso.publichealth.series.counts.SUPPRESS_BELOW).
Every read, export and definition is one audit entry under the caller's name (the
members' ids named where the list showed them identified).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hoso.access import claims as roles
from hoso.access.audit_record import CREATE, EXECUTE, READ
from hoso.access.deidentify import pseudonym
from hoso.core import clock
from hoso.core.errors import Forbidden, ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["SUPPRESS_BELOW", "CohortAccess", "CohortView", "Defined"]

T = TypeVar("T")
SUPPRESS_BELOW = 5  # as the surveillance dashboard (hoso.publichealth.series.counts)
DEFINERS = (roles.OFFICER, roles.OPERATOR)
MAX_MEMBERS = 500  # one page of members
MAX_EXPORT = 200_000  # a campaign list: more than any ward's cohort


class Defined(Protocol):
    """A cohort definition (`hoso.programmes.cohorts.Cohort`)."""

    @property
    def code(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def restricted(self) -> bool: ...


class CohortRows(Protocol):
    """The cohorts' SQL (`hoso.store.programme_cohorts.SqlCohorts`)."""

    def last_day(self, cohort: str, version: str, on_or_before: date) -> date | None: ...
    def counts(self, cohort: str, version: str, day: date, wards: frozenset[str] | None
               ) -> list[tuple[str | None, str, str, int]]: ...  # fmt: skip
    def members(self, cohort: str, version: str, day: date, wards: frozenset[str] | None,
                *, offset: int = 0, limit: int = 100) -> list[Any]: ...  # fmt: skip


class Catalogue(Protocol):
    """The cohorts known (shipped and stored): `find(code, version)` (None: current) or
    None; `add(document, agent, now)` stores a new version, returns it, raises
    InvalidRequest (the field named) or Conflict (that version exists)."""

    def find(self, code: str, version: str | None = None) -> Defined | None: ...
    def current(self) -> Sequence[Defined]: ...
    def add(self, document: Any, agent: str, now: int) -> Defined: ...


@dataclass(frozen=True, slots=True)
class CohortView:
    """What the caller sees: `wards` None for every ward; `exact_wards` (restricted
    small counts) None for every ward; `identified` whether members show real ids."""

    role: str
    wards: frozenset[str] | None
    exact_wards: frozenset[str] | None
    identified: bool


def _refused(what: str) -> Forbidden:
    return Forbidden(f"Vai trò không được phép {what.split(' / ')[0]} / "
                     f"This role may not {what.split(' / ')[-1]}")  # fmt: skip


def _not_found() -> ResourceNotFound:
    return ResourceNotFound("Không tìm thấy nhóm nguy cơ / Cohort not found")


class CohortAccess:
    def __init__(self, rows: CohortRows, catalogue: Catalogue,
                 station_wards: Callable[[str], frozenset[str]],
                 officer_wards: Callable[[str], frozenset[str]]) -> None:  # fmt: skip
        self.rows, self.catalogue = rows, catalogue
        self.station_wards, self.officer_wards = station_wards, officer_wards

    # -- who ------------------------------------------------------------------------------
    def require_definer(self, repo: AccessRepository) -> None:
        """403 for a caller who may not define cohorts (before reading any body)."""
        if repo.principal.role not in DEFINERS:
            raise _refused("định nghĩa nhóm nguy cơ / define cohorts")

    def view(self, repo: AccessRepository) -> CohortView:
        p = repo.principal
        if p.role == roles.OPERATOR:
            return CohortView(p.role, None, None, True)
        if p.role == roles.OFFICER:
            return CohortView(p.role, None, self.officer_wards(p.agent), False)
        if p.role == roles.CLINICIAN and p.facility:
            wards = self.station_wards(p.facility)
            if wards:
                return CohortView(p.role, wards, frozenset(), True)
        raise _refused("xem nhóm nguy cơ / see cohorts")

    def _cohort(self, code: str, version: str | None) -> Defined:
        found = self.catalogue.find(code, version)
        if found is None:
            raise _not_found()
        return found

    def _wards(self, view: CohortView, ward: str | None) -> frozenset[str] | None:
        if ward is None:
            return view.wards
        if view.wards is not None and ward not in view.wards:
            raise _not_found()  # another station's ward: as a ward with nothing
        return frozenset({ward})

    def _day(self, cohort: Defined, day: date | None) -> date | None:
        return self.rows.last_day(cohort.code, cohort.version, day or _today())

    # -- definitions ----------------------------------------------------------------------
    def define(self, repo: AccessRepository, document: Any) -> Defined:
        def run() -> Defined:
            self.require_definer(repo)
            made = self.catalogue.add(document, repo.principal.agent, clock.now_us())
            repo.audit(CREATE, "prog-cohort", entities=(f"cohort/{made.code}|{made.version}",))
            return made

        return repo.guarded(CREATE, "prog-cohort", "cohort", run)

    def listing(self, repo: AccessRepository) -> tuple[CohortView, Sequence[Defined]]:
        def run() -> tuple[CohortView, Sequence[Defined]]:
            view = self.view(repo)
            repo.audit(READ, "prog-cohort", entities=("cohort",))
            return view, self.catalogue.current()

        return repo.guarded(READ, "prog-cohort", "cohort", run)

    def definition(self, repo: AccessRepository, code: str, version: str | None
                   ) -> tuple[Defined, date | None, int | None]:  # fmt: skip
        """The cohort, its latest snapshot's day and its count there (None for a
        restricted cohort unless the caller is the operator)."""

        def run() -> tuple[Defined, date | None, int | None]:
            view, cohort = self.view(repo), self._cohort(code, version)
            day = self._day(cohort, None)
            total = None
            if day is not None and (not cohort.restricted or view.exact_wards is None):
                total = sum(n for *_k, n in self.rows.counts(cohort.code, cohort.version, day,
                                                             view.wards))  # fmt: skip
            repo.audit(READ, "prog-cohort", entities=(f"cohort/{cohort.code}|{cohort.version}",))
            return cohort, day, total

        return repo.guarded(READ, "prog-cohort", f"cohort/{code}", run)

    # -- counts -------------------------------------------------------------------------
    def counts(self, repo: AccessRepository, code: str, *, version: str | None = None,
               day: date | None = None, ward: str | None = None) -> dict[str, Any]:  # fmt: skip
        """Counts by ward, age band and sex on `day` (default: the latest snapshot not
        after today), under the caller's view."""

        def run() -> dict[str, Any]:
            view, cohort = self.view(repo), self._cohort(code, version)
            wards, on = self._wards(view, ward), self._day(cohort, day)
            cells = self.rows.counts(cohort.code, cohort.version, on, wards) if on else []
            found = count_table(cells, restricted=cohort.restricted,
                                exact_wards=view.exact_wards)  # fmt: skip
            repo.audit(READ, "prog-cohort-counts",
                       entities=(f"cohort/{cohort.code}|{cohort.version}",),
                       query=f"day={on}&ward={ward or ''}")  # fmt: skip
            return {"cohort": cohort.code, "version": cohort.version,
                    "restricted": cohort.restricted, "day": on.isoformat() if on else None,
                    **found}  # fmt: skip

        return repo.guarded(READ, "prog-cohort-counts", f"cohort/{code}", run)

    # -- members ------------------------------------------------------------------------
    def _member_rows(self, repo: AccessRepository, code: str, version: str | None,
                     day: date | None, ward: str | None, offset: int, limit: int
                     ) -> tuple[Defined, date | None, list[dict[str, Any]]]:  # fmt: skip
        view, cohort = self.view(repo), self._cohort(code, version)
        if cohort.restricted and view.role != roles.OPERATOR:
            raise _refused("xem danh sách nhóm hạn chế (chỉ số lượng) / list the members "
                           "of a restricted cohort (counts only)")  # fmt: skip
        wards, on = self._wards(view, ward), self._day(cohort, day)
        found = self.rows.members(cohort.code, cohort.version, on, wards, offset=offset,
                                  limit=limit) if on else []  # fmt: skip
        key = repo.pseudonym_key

        def label(patient_id: str) -> str:
            return patient_id if view.identified else pseudonym(patient_id, key)

        listed = [{"patient": label(m.patient_id), "ward": m.ward, "age_band": m.age_band,
                   "sex": m.sex} for m in found]  # fmt: skip
        patients = [m.patient_id for m in found] if view.identified else []
        repo.audit(READ, "prog-cohort-members", patients=patients,
                   entities=(f"cohort/{cohort.code}|{cohort.version}",),
                   query=f"day={on}&ward={ward or ''}&offset={offset}")  # fmt: skip
        return cohort, on, listed

    def members(self, repo: AccessRepository, code: str, *, version: str | None = None,
                day: date | None = None, ward: str | None = None, offset: int = 0,
                limit: int = 100) -> dict[str, Any]:  # fmt: skip
        limit = max(1, min(limit, MAX_MEMBERS))

        def run() -> dict[str, Any]:
            cohort, on, listed = self._member_rows(repo, code, version, day, ward,
                                                   max(offset, 0), limit)  # fmt: skip
            return {"cohort": cohort.code, "version": cohort.version,
                    "day": on.isoformat() if on else None, "offset": offset,
                    "members": listed}  # fmt: skip

        return repo.guarded(READ, "prog-cohort-members", f"cohort/{code}", run)

    def export_csv(self, repo: AccessRepository, code: str, *, version: str | None = None,
                   day: date | None = None, ward: str | None = None) -> str:  # fmt: skip
        """The members as CSV for a campaign (UTF-8 with BOM, so spreadsheet software
        reads the Vietnamese headings), audited as an export."""

        def run() -> str:
            cohort, on, listed = self._member_rows(repo, code, version, day, ward, 0,
                                                   MAX_EXPORT)  # fmt: skip
            out = io.StringIO()
            out.write("\ufeff")
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(["ma_nguoi_benh/patient", "phuong_xa/ward", "nhom_tuoi/age_band",
                             "gioi_tinh/sex", "nhom/cohort", "phien_ban/version",
                             "ngay/day"])  # fmt: skip
            day_text = on.strftime("%d/%m/%Y") if on else ""
            for m in listed:
                writer.writerow([m["patient"], m["ward"] or "", m["age_band"], m["sex"],
                                 cohort.code, cohort.version, day_text])  # fmt: skip
            repo.audit(EXECUTE, "prog-cohort-export",
                       entities=(f"cohort/{cohort.code}|{cohort.version}",),
                       description=f"{len(listed)} rows")  # fmt: skip
            return out.getvalue()

        return repo.guarded(EXECUTE, "prog-cohort-export", f"cohort/{code}", run)


def _today() -> date:
    return clock.now().astimezone(clock.VN_TZ).date()


def shown(n: int, exact: bool) -> int | None:
    """A count as shown: None ("<5") for 1–4 unless exact."""
    return n if exact or n == 0 or n >= SUPPRESS_BELOW else None


def count_table(cells: Sequence[tuple[str | None, str, str, int]], *, restricted: bool,
                exact_wards: frozenset[str] | None) -> dict[str, Any]:  # fmt: skip
    """Counts by ward (with age band × sex inside each ward), by age band, by sex and
    in total. A restricted cohort: ward totals only, each 1–4 shown None unless the
    ward is exact for the caller; its city-wide cuts by band and sex likewise."""
    wards: dict[str, dict[str, Any]] = {}
    bands: dict[str, int] = {}
    sexes: dict[str, int] = {}
    for ward, band, sex, n in cells:
        w = wards.setdefault(ward or "?", {"ward": ward, "total": 0, "cells": {}})
        w["total"] += n
        w["cells"][f"{band}|{sex}"] = w["cells"].get(f"{band}|{sex}", 0) + n
        bands[band] = bands.get(band, 0) + n
        sexes[sex] = sexes.get(sex, 0) + n
    total = sum(bands.values())
    if not restricted:
        return {"total": total, "by_band": bands, "by_sex": sexes,
                "wards": list(wards.values()), "suppressed_below": None}  # fmt: skip

    def exact(ward: str | None) -> bool:
        return exact_wards is None or (ward is not None and ward in exact_wards)

    everywhere = exact_wards is None
    return {"total": shown(total, everywhere),
            "by_band": {b: shown(n, everywhere) for b, n in bands.items()},
            "by_sex": {s: shown(n, everywhere) for s, n in sexes.items()},
            "wards": [{"ward": w["ward"], "total": shown(w["total"], exact(w["ward"])),
                       "cells": {}} for w in wards.values()],
            "suppressed_below": None if everywhere else SUPPRESS_BELOW}  # fmt: skip
