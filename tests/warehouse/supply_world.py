"""Group 2's test world: two facilities in two wards, their files, and a caller's door
(`SupplyAccess` over the store's ledger) as the roots build it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from hoso.access.principal import Principal
from hoso.access.warehouse_supply import SupplyAccess
from hoso.publichealth.case_detection import ward_of
from hoso.store.sql_store import SqlStore
from hoso.store.warehouse_supply import SqlStockLedger
from tests.callers import OPERATOR, as_caller, staff

FAC, OTHER = "79001", "79002"
WARD, OTHER_WARD = "26740", "26743"  # Phường Sài Gòn, Phường Bến Thành
WARD_NAMES = {WARD: "Phường Sài Gòn", OTHER_WARD: "Phường Bến Thành"}
__all__ = ["FAC", "OTHER", "OTHER_WARD", "WARD", "door", "facilities", "staff_of", "ward_of"]

STAFF_CSV = (
    "Họ tên,Số CCHN/GPHN,Chức danh nghề nghiệp,Chuyên khoa,Khoa/phòng,Mã CSKCB,"
    "Tỷ lệ thời gian (FTE)\n"
    "Nguyễn Văn An,001234/HCM-CCHN,Bác sĩ CKI,Nội khoa,Khoa Nội,79001,1\n"
    "Trần Thị Bình,000456/HCM-CCHN,Điều dưỡng,,Khoa Nội,79001,50%\n"
    "Lê Văn Cường,000789/HCM-GPHN,Bác sĩ,Ngoại khoa,Khoa Ngoại,79001,0.5\n"
).encode()


def organization(code: str, ward: str, name: str) -> dict[str, Any]:
    return {"resourceType": "Organization", "active": True, "name": name,
            "identifier": [{"system": "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb",
                            "value": code}],
            "address": [{"line": ["1 Lê Lợi"], "district": WARD_NAMES[ward],
                         "city": "Hồ Chí Minh"}]}  # fmt: skip


def facilities(store: SqlStore) -> None:
    with as_caller(store) as repo:
        for code, ward, name in ((FAC, WARD, "Bệnh viện A"), (OTHER, OTHER_WARD, "Bệnh viện B")):
            org = organization(code, ward, name)
            org["identifier"][0]["system"] = store.settings.facility_system
            repo.create(org)


def staff_of(facility: str, role: str = "clinician", store: SqlStore | None = None
             ) -> Principal:  # fmt: skip
    """Staff of `facility`; with `store`, their token also names the facility's
    Organization, as the token service resolves it (what care links are matched on)."""
    principal = staff(role, facility=facility)
    if store is None:
        return principal
    with as_caller(store) as repo:
        hits = repo.search("Organization", [
            ("identifier", f"{store.settings.facility_system}|{facility}")]).matches  # fmt: skip
    return replace(principal, facility_orgs=tuple(f"Organization/{h.id}" for h in hits))


@contextmanager
def door(store: SqlStore, principal: Principal = OPERATOR) -> Iterator[SupplyAccess]:
    with as_caller(store, principal) as repo:
        yield SupplyAccess(repo, SqlStockLedger(store.engine))
