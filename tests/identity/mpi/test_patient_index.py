"""Every Patient create passes the MPI, on SQLite and PostgreSQL: one resident, one record."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.errors import Conflict
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.builders.patient import patient

HOME = [{"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn",
         "state": "Thành phố Hồ Chí Minh"}]  # fmt: skip
PHONE = [{"system": "phone", "value": "0901234567", "use": "mobile"}]


@pytest.fixture
def mpi(repo: AccessRepository) -> AccessRepository:
    """The operator writing through the access layer; the store's MPI hook sees each
    Patient create (production's hooks, `hoso.assembly.store_hooks`)."""
    return repo


def _resident(**changes: Any) -> dict[str, Any]:
    base = patient(cccd="079090001234", address=HOME, telecom=PHONE,
                   meta={"source": "urn:facility:79001"})
    base.update(changes)
    return base


def _active_patients(store: SqlStore) -> list[str]:
    with store.engine.connect() as conn:
        r = schema.resource
        rows = conn.execute(sa.select(r.c.id, r.c.content).where(
            r.c.resource_type == "Patient", r.c.deleted.is_(False)))
        return sorted(i for i, c in rows if jsonx.loads(c).get("active", True) is not False)


def test_same_cccd_from_another_facility_attaches_to_the_resident(mpi: AccessRepository) -> None:
    first = mpi.create(_resident())
    again = mpi.create(_resident(
        meta={"source": "urn:facility:79002"},
        name=[{"family": "NGUYEN", "given": ["VAN", "AN"]}]))
    assert first.created and not again.created and again.matched_existing
    assert again.stored.id == first.stored.id
    assert "Patient/" + first.stored.id in again.warnings[0].diagnostics
    assert _active_patients(mpi.store) == [first.stored.id]


def test_duplicate_without_cccd_is_matched_by_the_model(mpi: AccessRepository) -> None:
    first = mpi.create(_resident())
    dup = _resident(name=[{"family": "NGUYEN", "given": ["VAN", "AN"]}])
    dup.pop("identifier")
    again = mpi.create(dup)
    assert again.matched_existing and again.stored.id == first.stored.id
    assert "xác suất" in again.warnings[0].diagnostics


def test_swapped_day_and_month_still_finds_the_resident(mpi: AccessRepository) -> None:
    first = mpi.create(_resident(birthDate="1990-05-01"))
    dup = _resident(birthDate="1990-01-05")
    dup.pop("identifier")
    assert mpi.create(dup).stored.id == first.stored.id


def test_a_sibling_in_the_same_household_is_a_new_resident(mpi: AccessRepository) -> None:
    first = mpi.create(_resident())
    sibling = _resident(name=[{"family": "Nguyễn", "given": ["Thị", "Hoa"]}], gender="female",
                        birthDate="1994-11-23")
    sibling.pop("identifier")
    second = mpi.create(sibling)
    assert second.created and second.stored.id != first.stored.id
    with mpi.match_queue() as queue:
        assert queue.count_by_status() == {}  # no pair queued


def test_an_uncertain_match_is_created_and_queued_for_review(mpi: AccessRepository) -> None:
    first = mpi.create(_resident())
    # Same name and birth date, but another ward, no phone, no CCCD: could be the same
    # person who moved, or a namesake. A steward decides.
    unsure = _resident(address=[{"use": "home", "line": ["88 Trần Hưng Đạo"],
                                 "city": "Phường Chợ Lớn"}])
    unsure.pop("identifier")
    unsure.pop("telecom")
    second = mpi.create(unsure)
    assert second.created and second.stored.id != first.stored.id
    assert any("xem xét" in w.diagnostics for w in second.warnings)
    with mpi.match_queue() as queue:
        queued = queue.open(limit=50, offset=0)
    assert [(c.patient_a, c.patient_b) for c in queued] == [
        tuple(sorted((first.stored.id, second.stored.id)))]
    assert queued[0].grade == "possible" and queued[0].origin == "online"


def test_same_cccd_on_a_different_person_is_refused_not_joined(mpi: AccessRepository) -> None:
    mpi.create(_resident())
    stranger = patient(cccd="079090001234", family="Lê", given=("Thị", "Mai"),
                       gender="female", birth_date="1971-12-30")
    with pytest.raises(Conflict) as caught:
        mpi.create(stranger)
    assert caught.value.issues[0].expression == ("Patient.identifier",)
    assert len(_active_patients(mpi.store)) == 1


def test_concurrent_creation_from_two_facilities_ends_as_one_patient(
    mpi: AccessRepository,
) -> None:
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def register(org: str) -> None:
        barrier.wait()
        try:
            result = mpi.create(_resident(meta={"source": org}))
            results.append(result.stored.id)
        except BaseException as exc:  # reported below, with the thread's result
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(f"urn:facility:7900{i}",))
               for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert _active_patients(mpi.store) == [results[0]]


def test_conditional_create_and_update_are_left_to_the_client(mpi: AccessRepository) -> None:
    """A client that names the id (PUT) chose the record itself: only the unique CCCD
    rule applies, as before the MPI."""
    first = mpi.create(_resident())
    with pytest.raises(Conflict):
        mpi.update("Patient", "chosen-id", {**_resident(), "id": "chosen-id"})
    assert _active_patients(mpi.store) == [first.stored.id]
