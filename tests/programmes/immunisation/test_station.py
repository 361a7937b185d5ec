"""The immunisation programme at a ward health station, end to end on SQLite and
PostgreSQL: a dose recorded through the access layer as the station's nurse becomes the
child's Immunization and 30-minute Observation; a severe AEFI opens a 24-hour report and
flags its lot, which is then refused; an expired lot is refused; another ward's child
answers as an absent one; nothing is half-written by a refusal; the month's export has
the dose complete for the national dataset; coverage counts the ward's cohort."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest

from hoso.access.programme_immunisation import ImmunisationAccess
from hoso.access.programme_records import ProgrammeRecords
from hoso.core import clock
from hoso.core.errors import Conflict, Forbidden, InvalidRequest, ResourceNotFound
from hoso.programmes.immunisation.programme import PROGRAMME
from hoso.programmes.immunisation.station import VaccinationStation, incomplete
from hoso.programmes.recompute import READ_TYPES, Recompute
from hoso.programmes.registry import packaged_rules
from hoso.store.programme_immunisation import SqlImmunisation
from hoso.store.sql_store import SqlStore
from tests.callers import as_caller, audit_subtypes
from tests.programmes.world import OTHER_WARD, WARD, access, home, station_clinician

TODAY = clock.today_vn()


def _child(n: int, ward: str, months: int) -> dict[str, Any]:
    born = TODAY - timedelta(days=30 * months)
    return {**home(n, ward), "birthDate": born.isoformat()}


def _city(store: SqlStore) -> tuple[dict[str, str], str]:
    with as_caller(store) as operator:
        ids = {"child": operator.create(_child(1, WARD, 5)).stored.id,
               "other": operator.create(_child(2, OTHER_WARD, 5)).stored.id}  # fmt: skip
        org = operator.create({"resourceType": "Organization", "name": "Trạm y tế Phường Sài Gòn"})
    return ids, org.stored.id


@contextmanager
def _station(store: SqlStore, org_id: str | None) -> Iterator[VaccinationStation]:
    with as_caller(store, station_clinician(org_id)) as repo:
        yield VaccinationStation(ImmunisationAccess(repo, SqlImmunisation(store.engine),
                                                    access(store, repo)))  # fmt: skip


def _dose(**changes: Any) -> dict[str, Any]:
    body = {"product": "102", "lot": "PENTA-2612", "expiry": (TODAY + timedelta(days=90))
            .isoformat(), "site": "LT", "route": "IM", "dose_ml": "0.5", "dose_number": 1,
            "observed_minutes": 30}  # fmt: skip
    return {**body, **changes}


def _recompute(store: SqlStore, *patient_ids: str) -> None:
    with as_caller(store) as operator:
        Recompute(ProgrammeRecords(operator, READ_TYPES), access(store, operator), (PROGRAMME,),
                  packaged_rules()).patients(list(patient_ids))  # fmt: skip


def _count(store: SqlStore, rtype: str, patient_id: str) -> int:
    """The child's resources of a type, as the operator reads their compartment."""
    with as_caller(store) as operator:
        page = operator.compartment(patient_id, [rtype], count=100)
        return sum(1 for hit in page.matches if hit.resource_type == rtype)


def test_a_dose_recorded_at_the_session_is_part_of_the_record(store: SqlStore) -> None:
    ids, org = _city(store)
    with _station(store, org) as station:
        before = {i.activity for i in station.child(ids["child"], TODAY).assessment.due}
        assert "diphtheria-1" in before  # 5 months old, nothing given: the 5-in-1 is overdue
        done = station.record_dose(ids["child"], _dose())
        assert done["report"] is None and set(done["ids"]) == {"Immunization", "Observation"}
        view = station.child(ids["child"], TODAY)
        given = view.given
        assert [g["lotNumber"] for g in given] == ["PENTA-2612"]
        assert given[0]["performer"][1]["actor"]["identifier"]["value"] == "79TYT01"
        # the 5-in-1 counted for each of its antigens: dose 2 is next
        activities = {i.activity for i in view.assessment.due}
        assert {"diphtheria-2", "hib-2", "pertussis-2"} <= activities
        assert "diphtheria-1" not in activities
    _recompute(store, ids["child"], ids["other"])  # the register the export lists
    with _station(store, org) as station:
        rows = station.export(TODAY.isoformat()[:7], None)
    assert len(rows) == 1 and incomplete(rows) == 0
    assert (rows[0]["so_lo"], rows[0]["phan_ung"], rows[0]["ma_xa"]) == ("PENTA-2612", "Không",
                                                                          WARD)  # fmt: skip
    assert _count(store, "Encounter", ids["child"]) == 1  # the visit at the station


def test_a_severe_aefi_opens_a_24_hour_report_and_flags_the_lot(store: SqlStore) -> None:
    ids, org = _city(store)
    aefi = {"event": "Sốc phản vệ", "seriousness": "serious", "severity": "severe"}
    with _station(store, org) as station:
        done = station.record_dose(ids["child"], _dose(reaction_seen=True, aefi=aefi))
        assert done["report"] is not None and "AdverseEvent" in done["ids"]
        reports = station.access.reports()
        assert [(r.id, r.lot, r.ward) for r in reports] == [(done["report"], "PENTA-2612", WARD)]
        assert reports[0].deadline_at - reports[0].opened_at == 86_400 * 1_000_000
        assert not reports[0].overdue(clock.now_us())
        assert reports[0].overdue(reports[0].deadline_at + 1)  # late once the day is past
        lot = station.access.lot("http://hl7.org/fhir/sid/cvx|102", "PENTA-2612")
        assert lot.status == "flagged"
        with pytest.raises(Conflict):  # the flagged lot may not be used again
            station.record_dose(ids["child"], _dose(given_at=None))
        assert station.access.mark_reported(done["report"]) is True
        # a station may not clear a flag; an officer or the operator does
        with pytest.raises(Forbidden):
            station.set_lot("http://hl7.org/fhir/sid/cvx|102", "PENTA-2612", "cleared", "ok")
    assert _count(store, "Immunization", ids["child"]) == 1  # the refused dose left nothing
    assert _count(store, "AdverseEvent", ids["child"]) == 1
    assert "aefi-report" in audit_subtypes(store)
    with as_caller(store) as operator:
        officer_of_lots = VaccinationStation(ImmunisationAccess(
            operator, SqlImmunisation(store.engine), access(store, operator)))  # fmt: skip
        officer_of_lots.set_lot("http://hl7.org/fhir/sid/cvx|102", "PENTA-2612", "cleared",
                                "Kiểm định đạt")  # fmt: skip
    with _station(store, org) as station:
        station.record_dose(ids["child"], _dose(given_at=None, dose_number=2))  # usable again


def test_refusals_leave_nothing_written(store: SqlStore) -> None:
    ids, org = _city(store)
    with _station(store, org) as station:
        with pytest.raises(InvalidRequest, match="expiry"):
            station.record_dose(ids["child"], _dose(expiry=(TODAY - timedelta(days=1))
                                                    .isoformat()))  # fmt: skip
        with pytest.raises(InvalidRequest, match="route"):
            station.record_dose(ids["child"], _dose(route="IV"))
        # another ward's child and a child who does not exist: the same 404
        for absent in (ids["other"], "no-such-child"):
            with pytest.raises(ResourceNotFound) as refused:
                station.record_dose(absent, _dose())
            assert "resident not found" in str(refused.value)
            with pytest.raises(ResourceNotFound):
                station.child(absent, TODAY)
    for pid in ids.values():
        assert _count(store, "Immunization", pid) == 0
        assert _count(store, "Encounter", pid) == 0


def test_coverage_of_a_wards_cohort_against_its_population(store: SqlStore) -> None:
    ids, org = _city(store)
    with as_caller(store) as operator:
        third = operator.create(_child(3, WARD, 5)).stored.id
    with _station(store, org) as station:
        station.record_dose(ids["child"], _dose())
    _recompute(store, ids["child"], ids["other"], third)
    cohort = (TODAY - timedelta(days=150)).year
    with _station(store, org) as station:
        rows = {(r.antigen, r.dose): r for r in station.coverage(WARD, cohort, TODAY)}
        assert rows["diphtheria", 1].vaccinated == 1
        assert (rows["diphtheria", 1].denominator, rows["diphtheria", 1].basis) == (2, "registered")
        with pytest.raises(ResourceNotFound):  # not the station's ward
            station.coverage(OTHER_WARD, cohort, TODAY)
    with as_caller(store) as operator:
        ImmunisationAccess(
            operator, SqlImmunisation(store.engine), access(store, operator)
        ).store_cohorts([(WARD, cohort, 40)], "test")
    with _station(store, org) as station:
        first = next(r for r in station.coverage(WARD, cohort, TODAY)
                     if (r.antigen, r.dose) == ("diphtheria", 1))  # fmt: skip
    assert (first.vaccinated, first.denominator, first.coverage) == (1, 40, 1 / 40)


def test_the_cohort_year_is_a_day_of_the_childs_birth() -> None:
    assert isinstance(TODAY, date)  # the tests above compute ages from HCMC's today
