"""The immunisation programme's SQL on both databases: lots flagged and cleared; a
severe event's report opened with its lot flagged in one transaction, due 24 h later,
overdue after, reported once; cohort denominators replaced; coverage's inputs read from
the programme's enrolment rows of one ward and birth year."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hoso.core import jsonx
from hoso.store.engine import transaction
from hoso.store.programme_immunisation import DAY_US, SqlImmunisation
from hoso.store.programme_schema import prog_enrolment
from hoso.store.sql_store import SqlStore

CVX102 = "http://hl7.org/fhir/sid/cvx|102"
SAIGON, BEN_THANH = "26740", "26743"
T0 = 1_800_000_000_000_000


def _report(rows: SqlImmunisation, ward: str, event_id: str, lot: str = "L1") -> int:
    return rows.open_report(patient_id="p1", ward=ward, station="79001", immunization_id="i1",
                            adverse_event_id=event_id, product=CVX102, lot=lot,
                            event="Sốc phản vệ", agent="account:nurse", now=T0)  # fmt: skip


def test_a_severe_event_opens_a_24_hour_report_and_flags_its_lot(store: SqlStore) -> None:
    rows = SqlImmunisation(store.engine)
    rows.set_lot(CVX102, "L1", expiry="2027-01-31", status="ok", reason="nhập kho",
                 agent="account:nurse", now=T0 - 10)  # fmt: skip
    report_id = _report(rows, SAIGON, "ae1")
    lot = rows.lot(CVX102, "L1")
    assert lot is not None and lot.status == "flagged" and f"report {report_id}" in lot.reason
    assert lot.expiry == "2027-01-31"  # kept from what was known
    report = rows.report(report_id)
    assert report is not None and report.deadline_at == T0 + DAY_US
    assert not report.overdue(T0 + DAY_US) and report.overdue(T0 + DAY_US + 1)
    assert [r.id for r in rows.reports(wards={SAIGON})] == [report_id]
    assert rows.reports(wards={BEN_THANH}) == []
    assert rows.mark_reported(report_id, "account:nurse", T0 + 5) is True
    assert rows.mark_reported(report_id, "account:other", T0 + 6) is False  # the first stands
    done = rows.report(report_id)
    assert done is not None and done.reported_by == "account:nurse" and not done.overdue(T0 * 2)
    assert rows.reports(wards=None, open_only=True) == []
    # cleared by an officer, with the reason
    rows.set_lot(CVX102, "L1", expiry=None, status="cleared", reason="kiểm định đạt",
                 agent="account:officer", now=T0 + 7)  # fmt: skip
    cleared = rows.lot(CVX102, "L1")
    assert cleared is not None and cleared.status == "cleared" and cleared.expiry == "2027-01-31"
    assert [x.lot for x in rows.lots("cleared")] == ["L1"]


def test_one_report_per_adverse_event(store: SqlStore) -> None:
    rows = SqlImmunisation(store.engine)
    _report(rows, SAIGON, "ae1")
    with pytest.raises(sa.exc.IntegrityError):
        _report(rows, SAIGON, "ae1", lot="L2")
    # the failed call rolled back whole: its lot was not flagged
    assert rows.lot(CVX102, "L2") is None


def test_cohorts_and_the_enrolled_measures_of_a_cohort(store: SqlStore) -> None:
    rows = SqlImmunisation(store.engine)
    assert rows.store_cohorts([(SAIGON, 2025, 410), (BEN_THANH, 2025, 300)], "test", T0) == 2
    rows.store_cohorts([(SAIGON, 2025, 420)], "test 2", T0 + 1)
    assert (rows.cohort(SAIGON, 2025), rows.cohort(BEN_THANH, 2025)) == (420, 300)
    assert rows.cohort(SAIGON, 2024) is None
    children = [
        ("c1", SAIGON, 2025, {"doses_measles": 1}),
        ("c2", SAIGON, 2025, {}),
        ("c3", SAIGON, 2024, {"doses_measles": 2}),
        ("c4", BEN_THANH, 2025, {}),
    ]
    with transaction(store.engine) as conn:
        conn.execute(
            prog_enrolment.insert(),
            [
                {
                    "programme": "immunisation",
                    "patient_id": pid,
                    "ward": ward,
                    "birth_year": year,
                    "sex": "female",
                    "age_band": "0-4",
                    "rule_version": "2026.1",
                    "by_hand": False,
                    "measures": jsonx.dumps_str(m),
                    "summary": "{}",
                    "since": "2026-01-01",
                    "assessed_on": "2026-12-01",
                    "updated_at": T0,
                }
                for pid, ward, year, m in children
            ],
        )
    got = rows.enrolled_measures(SAIGON, 2025)
    assert sorted(got, key=str) == sorted([{"doses_measles": 1}, {}], key=str)
    assert rows.enrolled_patients([SAIGON]) == [("c1", SAIGON), ("c2", SAIGON), ("c3", SAIGON)]
