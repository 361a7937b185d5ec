"""Equipment (`hoso.warehouse.supply.equipment`): a facility's device list as Devices
(class A–D of NĐ 98/2021, circulation number, status), per ward, and each device's
services per month from the claims' XML3 MA_MAY; an .xlsx staff list read like a CSV;
the identifier systems shared with the XML 130 mapping are the same strings."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest

from hoso.core.errors import InvalidRequest
from hoso.store.sql_store import SqlStore
from hoso.warehouse.supply import codes, service
from hoso.warehouse.supply.reports import equipment_report, workforce_report
from tests.callers import staff
from tests.ingest.xml130.files import clean, giamdinhhs, hoso, summary
from tests.ingest.xml130.files import service as xml3
from tests.warehouse.supply_world import FAC, OTHER, WARD, door, facilities, staff_of, ward_of
from tests.warehouse.test_supply_ledger import TODAY, _day, _file

DEVICES = (
    "Mã máy;Tên thiết bị;Phân loại;Số lưu hành;Số sê-ri;Trạng thái\n"
    "XQ.1.79001.1;Máy X-quang kỹ thuật số;C;2200123ĐKLH/BYT-TB-CT;SN-1;đang dùng\n"
    "SA.2.79001.3;Máy siêu âm;B;;SN-2;đang dùng\n"
    "DT.1.79001.2;Máy điện tim;B;;SN-3;ngưng sử dụng\n"
).encode()


def _claim(ma_lk: str, offset: int, machines: list[str]) -> bytes:
    day = _day(offset, "%Y%m%d")
    rows = [xml3(n, MA_LK=ma_lk, MA_MAY=m, NGAY_YL=f"{day}0830", NGAY_TH_YL=f"{day}0840")
            for n, m in enumerate(machines, start=1)]  # fmt: skip
    tables: dict[str, Any] = {"XML1": [summary(MA_LK=ma_lk, NGAY_VAO=f"{day}0800",
                                               NGAY_RA=f"{day}1100")], "XML3": rows}
    return giamdinhhs(hoso(clean(tables)))


def test_devices_per_ward_and_services_per_month(store: SqlStore) -> None:
    facilities(store)
    with door(store, staff_of(FAC, store=store)) as mine:
        assert service.import_devices(mine, DEVICES, FAC)["created"] == 3
        assert service.import_devices(mine, DEVICES, FAC)["created"] == 0
    _file(store, _claim("LK0101", -3, ["XQ.1.79001.1", "XQ.1.79001.1;SA.2.79001.3"]))
    _file(store, _claim("LK0102", -2, ["XQ.1.79001.1", "ZZ.9.79009.9"]))  # not ours
    with door(store, staff("officer")) as officer:
        report = equipment_report(officer, ward_of, TODAY)
    assert report["wards"] == [
        {"ward": WARD, "class": "B", "status": "active", "devices": 1},
        {"ward": WARD, "class": "B", "status": "inactive", "devices": 1},
        {"ward": WARD, "class": "C", "status": "active", "devices": 1},
    ]
    month = _day(-3, "%Y-%m")
    usage = {(r["device"], r["month"]): r["services"] for r in report["usage"]}
    if _day(-2, "%Y-%m") == month:  # both claims in one month: 3 X-ray services
        assert usage == {("XQ.1.79001.1", month): 3, ("SA.2.79001.3", month): 1}
    else:
        assert sum(n for (d, _), n in usage.items() if d == "XQ.1.79001.1") == 3
    with door(store, staff_of(OTHER, store=store)) as theirs:
        assert equipment_report(theirs, ward_of, TODAY)["wards"] == []  # not theirs


@pytest.mark.parametrize(("row", "says"), [
    ("XQ.1;Máy;E;;;", "Phân loại phải là A, B, C hoặc D"),
    ("XQ 1;Máy;A;;;", "Mã máy chỉ gồm"),
    ("XQ.1;Máy;A;;;hỏng hóc nặng", "Trạng thái"),
])  # fmt: skip
def test_bad_device_rows(store: SqlStore, row: str, says: str) -> None:
    header = DEVICES.split(b"\n", 1)[0] + b"\n"
    with door(store, staff_of(FAC)) as mine, pytest.raises(InvalidRequest, match=says):
        service.import_devices(mine, header + row.encode() + b"\n", FAC)


def test_an_xlsx_staff_list_with_english_headers(store: SqlStore) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Full name", "Licence number", "Profession", "Department", "FTE"])
    sheet.append(["Nguyễn Thị Hoa", 12345, "Hộ sinh", "Khoa Sản", 0.8])
    sheet.append(["Phạm Văn Đức", "000777/HCM", "Dược sĩ", "Khoa Dược", 1])
    out = BytesIO()
    book.save(out)
    facilities(store)
    with door(store, staff_of(FAC)) as mine:
        assert service.import_workforce(mine, out.getvalue(), FAC)["created"] == 4
        wards = workforce_report(mine, ward_of, {WARD: 8_000})["wards"]
    assert [(r["profession"], str(r["fte"]), str(r["per_10000"])) for r in wards] == [
        ("midwife", "0.8", "1.25"), ("pharmacist", "1", "1.25")]


def test_a_damaged_or_huge_file_is_refused(store: SqlStore) -> None:
    from hoso.core.errors import PayloadTooLarge

    with door(store, staff_of(FAC)) as mine:
        with pytest.raises(InvalidRequest, match="hỏng"):
            service.import_workforce(mine, b"PK\x03\x04 not a workbook", FAC)
        with pytest.raises(PayloadTooLarge):
            service.import_workforce(mine, b"a" * (9 * 1024 * 1024), FAC)
        with pytest.raises(InvalidRequest, match="cột 'Lương' không có trong mẫu"):
            service.import_workforce(mine, "Họ tên,Số CCHN,Chức danh,Lương\n".encode(), FAC)


def test_systems_shared_with_the_xml130_mapping_are_the_same() -> None:
    from hoso.ingest.xml130 import drugs, services

    assert (codes.REGISTRATION, codes.DRUG_CODE) == (drugs.REGISTRATION, drugs.DRUG_CODE)
    assert codes.DEVICE_CODE == services.DEVICE_CODE


@pytest.mark.parametrize(("data", "status", "says"), [
    ("Họ tên,Số CCHN,Chức danh\nA\x00,B123,Bác sĩ\n".encode(), 400, "ký tự điều khiển"),
    ('Họ tên,Số CCHN,Chức danh\n"' + "x" * 200_000 + '",1,Bác sĩ\n', 400, "sai cấu trúc"),
    ("Họ tên".encode("utf-16"), 400, "UTF-8"),
    ("Họ tên,Số CCHN,Chức danh\n".encode(), 400, "không có dòng dữ liệu"),
    ("Họ tên,Số CCHN,Chức danh\n" + ",\n" * 100_001, 413, "dòng"),
])  # fmt: skip
def test_malformed_tables_are_refused_not_crashed(data: bytes | str, status: int,
                                                  says: str) -> None:  # fmt: skip
    from hoso.core.errors import FhirError
    from hoso.warehouse.supply.workforce import STAFF

    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(FhirError, match=says) as caught:
        STAFF.read(raw)
    assert caught.value.http_status == status


def test_an_xlsx_zip_bomb_is_refused() -> None:
    import zipfile

    from hoso.core.errors import PayloadTooLarge
    from hoso.warehouse.supply.workforce import STAFF

    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (70 * 1024 * 1024))
    with pytest.raises(PayloadTooLarge):
        STAFF.read(out.getvalue())
