"""Group 2 for each caller (`hoso.access.warehouse_supply`): facility staff import and
read their own facility's data only, officers read every facility's aggregates and
write nothing, residents nothing; a file is written whole or not at all, and a second
import of the same file creates nothing."""

from __future__ import annotations

import pytest

from hoso.core.errors import Forbidden, InvalidRequest
from hoso.fhir.repository import every_match
from hoso.store.sql_store import SqlStore
from hoso.warehouse.supply import service
from hoso.warehouse.supply.reports import workforce_report
from tests.callers import as_caller, audit_subtypes, staff
from tests.warehouse.supply_world import (
    FAC,
    OTHER,
    STAFF_CSV,
    WARD,
    door,
    facilities,
    staff_of,
    ward_of,
)


def _count(store: SqlStore, kind: str) -> int:
    with as_caller(store) as repo:
        return len(every_match(repo, kind, []))


def test_staff_import_is_whole_and_idempotent(store: SqlStore) -> None:
    facilities(store)
    with door(store, staff_of(FAC)) as mine:
        first = service.import_workforce(mine, STAFF_CSV, FAC)
        again = service.import_workforce(mine, STAFF_CSV, FAC)
    assert first == {"rows": 3, "created": 6, "matched": 0, "updated": 0, "unchanged": 0}
    assert again == {"rows": 3, "created": 0, "matched": 3, "updated": 0, "unchanged": 3}
    assert (_count(store, "Practitioner"), _count(store, "PractitionerRole")) == (3, 3)
    changed = STAFF_CSV.replace(b"50%", b"0.5")  # the same FTE, written otherwise
    with door(store, staff_of(FAC)) as mine:
        assert service.import_workforce(mine, changed, FAC)["unchanged"] == 3
        moved = STAFF_CSV.replace("Khoa Ngoại".encode(), "Khoa Cấp cứu".encode())
        assert service.import_workforce(mine, moved, FAC)["updated"] == 1  # one post moved
    with as_caller(store) as repo:
        (role,) = [h for h in every_match(repo, "PractitionerRole", [])
                   if "000456" in h.content]  # fmt: skip
    assert '"valueDecimal":0.5' in role.content and "Organization/" in role.content


def test_a_bad_row_writes_nothing_and_names_its_line(store: SqlStore) -> None:
    facilities(store)
    bad = STAFF_CSV + "Phạm D,000999/HCM,Thợ mộc,,,79001,1\n".encode()
    with door(store, staff_of(FAC)) as mine, pytest.raises(InvalidRequest) as caught:
        service.import_workforce(mine, bad, FAC)
    assert caught.value.message.startswith("Dòng 5: chức danh 'Thợ mộc'")
    assert _count(store, "Practitioner") == 0 and _count(store, "PractitionerRole") == 0


@pytest.mark.parametrize("change", [
    b"Nguyen,001234/HCM,Bac si,,,79002,1\n",  # another facility's row in my file
    b"Nguyen,001234/HCM,Bac si,,,79001,1.5\n",  # FTE over 1
    b"Nguyen,,Bac si,,,79001,1\n",  # no licence
])  # fmt: skip
def test_each_kind_of_bad_row_is_refused(store: SqlStore, change: bytes) -> None:
    header = STAFF_CSV.split(b"\n", 1)[0] + b"\n"
    with door(store, staff_of(FAC)) as mine, pytest.raises(InvalidRequest) as caught:
        service.import_workforce(mine, header + change, FAC)
    assert "Dòng 2" in caught.value.message


def test_another_facilitys_token_is_refused_before_the_file_is_read(store: SqlStore) -> None:
    facilities(store)
    with door(store, staff_of(OTHER)) as theirs, pytest.raises(Forbidden):
        service.import_workforce(theirs, b"not even a table", FAC)
    with door(store, staff("officer")) as officer, pytest.raises(Forbidden):
        service.import_workforce(officer, STAFF_CSV, FAC)
    assert _count(store, "Practitioner") == 0
    assert audit_subtypes(store, outcome="4").count("warehouse-supply") == 2


@pytest.mark.parametrize("role", ["resident", "steward", "admin", "dpo"])
def test_residents_and_others_see_nothing(store: SqlStore, role: str) -> None:
    with door(store, staff(role, facility=FAC)) as caller, pytest.raises(Forbidden):
        workforce_report(caller, ward_of, {})


def test_counts_per_facility_ward_profession_and_10000(store: SqlStore) -> None:
    facilities(store)
    with door(store, staff_of(FAC)) as mine:
        service.import_workforce(mine, STAFF_CSV, FAC)
    nurse = "Họ tên,Số CCHN,Chức danh\nVõ E,000111/HCM,Điều dưỡng\n".encode()
    with door(store, staff_of(OTHER)) as theirs:
        service.import_workforce(theirs, nurse, OTHER)
        own = workforce_report(theirs, ward_of, {WARD: 20_000})
    assert {r["facility"] for r in own["facilities"]} == {OTHER}  # only their own
    with door(store, staff("officer")) as officer:
        city = workforce_report(officer, ward_of, {WARD: 20_000})
    doctors = next(r for r in city["wards"] if (r["ward"], r["profession"]) == (WARD, "doctor"))
    # 2 doctors (FTE 1 + 0.5) among 20,000 residents: 1.00 and 0.75 per 10,000.
    assert (doctors["headcount"], str(doctors["fte"])) == (2, "1.5")
    assert (str(doctors["per_10000"]), str(doctors["fte_per_10000"])) == ("1.00", "0.75")
    other = [r for r in city["wards"] if r["ward"] != WARD]
    assert [(r["profession"], r["headcount"], r["per_10000"]) for r in other] == [
        ("nurse", 1, None)]  # no population on file for that ward, no resident in the store


def test_a_device_of_another_facility_cannot_be_taken_over(store: SqlStore) -> None:
    """Facility B's file naming A's machine code: refused (409), nothing of the file
    written, A's Device still A's."""
    from hoso.core.errors import Conflict
    from tests.warehouse.test_supply_equipment import DEVICES

    facilities(store)
    with door(store, staff_of(FAC)) as mine:
        service.import_devices(mine, DEVICES, FAC)
    header, first = DEVICES.decode().splitlines()[:2]
    theirs_file = f"{header}\nXX.1.79002.9;Máy khác;A;;;\n{first}\n".encode()
    with door(store, staff_of(OTHER)) as theirs, pytest.raises(Conflict):
        service.import_devices(theirs, theirs_file, OTHER)
    with as_caller(store) as repo:
        devices = [h.content for h in every_match(repo, "Device", [])]
    assert len(devices) == 3 and all('"value":"79001"' in d for d in devices)


@pytest.mark.parametrize("role", ["operator", "officer"])
def test_without_population_on_file_residents_in_the_store_count(store: SqlStore,
                                                                 role: str) -> None:  # fmt: skip
    """No ph_population at all: the denominator is the residents whose home ward it is
    (two in Phường Sài Gòn, one elsewhere), as the caller reads them."""
    from tests.callers import OPERATOR
    from tests.programmes.world import OTHER_WARD as ELSEWHERE
    from tests.programmes.world import home

    facilities(store)
    with as_caller(store) as repo:
        for n, ward in ((1, WARD), (2, WARD), (3, ELSEWHERE)):
            repo.create(home(n, ward))
    with door(store, staff_of(FAC)) as mine:
        service.import_workforce(mine, STAFF_CSV, FAC)
    caller = OPERATOR if role == "operator" else staff("officer")
    with door(store, caller) as reader:
        wards = workforce_report(reader, ward_of, {})["wards"]
    doctors = next(r for r in wards if r["profession"] == "doctor")
    assert doctors["residents"] == 2 and str(doctors["per_10000"]) == "10000.00"  # 2 of 2
