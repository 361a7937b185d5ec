"""A facility's equipment list (CSV or .xlsx) → Device, checked whole first; and each
device's use from the claims: XML3's MA_MAY, which the XML 130 mapping keeps as
`Procedure.usedReference` (identifier in the `ma-may` system), counted per month.

Template (docs/warehouse-supply.md): `Mã máy` (the code the facility sends as MA_MAY)
· `Tên thiết bị` · `Mã loại` · `Phân loại` (A, B, C or D) · `Số lưu hành` · `Số sê-ri` ·
`Trạng thái` · `Mã CSKCB`.

Class A–D: the risk classes of medical devices of Nghị định 98/2021/NĐ-CP (08/11/2021,
on the management of medical devices), art. 4: A low risk, B low-moderate, C
moderate-high, D high; A and B are declared, C and D get a circulation number (số lưu
hành) — so a C or D device without one is accepted (older devices were licensed under
earlier rules) but the number, when given, must look like one (HOUSE: 1–40 characters
of letters, digits and / - . as printed on the licence).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hoso.core.text import fold
from hoso.warehouse.supply.codes import (
    DEPARTMENT_EXT,
    DEVICE_CLASS,
    DEVICE_CODE,
    DEVICE_TYPE,
    SID_CIRCULATION,
)
from hoso.warehouse.supply.tabular import Column, Row, Template, bad_row

__all__ = ["CLASSES", "DEVICES", "DeviceRow", "read_devices", "usage_by_month"]

CLASSES = {"A": "Mức độ rủi ro thấp", "B": "Mức độ rủi ro trung bình thấp",
           "C": "Mức độ rủi ro trung bình cao", "D": "Mức độ rủi ro cao"}  # fmt: skip
_STATUS = {"active": "active", "dang dung": "active", "dang su dung": "active",
           "hoat dong": "active", "inactive": "inactive", "ngung": "inactive",
           "ngung su dung": "inactive", "hong": "inactive", "entered-in-error":
           "entered-in-error", "nhap sai": "entered-in-error"}  # fmt: skip
_CODE = re.compile(r"[0-9A-Za-z.\-_/]{1,64}")
_CIRCULATION = re.compile(r"[0-9A-Za-zĐđ./\-]{1,40}")

DEVICES = Template((
    Column("code", "Mã máy", ("MA_MAY", "Device code", "Machine code"), required=True),
    Column("name", "Tên thiết bị", ("Tên máy", "Device name", "Name"), required=True),
    Column("type_code", "Mã loại", ("Type code", "Loại thiết bị")),
    Column("risk_class", "Phân loại", ("Loại", "Class", "Risk class", "Phân loại (A–D)"),
           required=True),
    Column("circulation", "Số lưu hành", ("Số đăng ký lưu hành", "Circulation number",
                                          "Registration number")),
    Column("serial", "Số sê-ri", ("Serial", "Serial number", "Số serial")),
    Column("status", "Trạng thái", ("Status",)),
    Column("department", "Khoa/phòng", ("Department",)),
    Column("facility", "Mã CSKCB", ("MA_CSKCB", "Facility code", "Facility")),
))  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeviceRow:
    line: int
    code: str
    device: dict[str, Any]


def _device(row: Row, facility: str, facility_system: str) -> DeviceRow:
    line = row.line
    if row.get("facility") not in (None, facility):
        raise bad_row(line, f"Mã CSKCB {row.get('facility')} khác cơ sở nhập {facility}",
                      f"facility {row.get('facility')} is not {facility}", "facility")  # fmt: skip
    code = row.get("code") or ""
    if not _CODE.fullmatch(code):
        raise bad_row(line, "Mã máy chỉ gồm chữ, số và . - _ /", "invalid device code", "code")
    risk = (row.get("risk_class") or "").strip().upper().removeprefix("LOẠI ").strip()
    if risk not in CLASSES:
        raise bad_row(line, "Phân loại phải là A, B, C hoặc D (NĐ 98/2021/NĐ-CP)",
                      "class must be A, B, C or D", "risk_class")  # fmt: skip
    status = _STATUS.get(fold(row.get("status") or "active"))
    if status is None:
        raise bad_row(line, "Trạng thái: đang dùng, ngưng sử dụng hoặc nhập sai",
                      "status: active, inactive or entered-in-error", "status")  # fmt: skip
    name = row.get("name") or ""
    device: dict[str, Any] = {
        "resourceType": "Device",
        "identifier": [{"system": DEVICE_CODE, "value": code}],
        "status": status,
        "deviceName": [{"name": name, "type": "user-friendly-name"}],
        "type": {"text": name},
        "owner": {"identifier": {"system": facility_system, "value": facility}},
        "property": [{"type": {"coding": [{"system": DEVICE_CLASS, "code": "class"}],
                               "text": "Phân loại TTBYT (NĐ 98/2021/NĐ-CP)"},
                      "valueCode": [{"coding": [{"system": DEVICE_CLASS, "code": risk,
                                                 "display": CLASSES[risk]}]}]}],
    }  # fmt: skip
    if row.get("type_code"):
        device["type"]["coding"] = [{"system": DEVICE_TYPE, "code": row.get("type_code")}]
    circulation = row.get("circulation")
    if circulation:
        if not _CIRCULATION.fullmatch(circulation):
            raise bad_row(line, "Số lưu hành không hợp lệ", "invalid circulation number",
                          "circulation")  # fmt: skip
        device["identifier"].append({"system": SID_CIRCULATION, "value": circulation})
    if row.get("serial"):
        device["serialNumber"] = row.get("serial")
    if row.get("department"):
        device["extension"] = [{"url": DEPARTMENT_EXT, "valueString": row.get("department")}]
    return DeviceRow(line, code, device)


def read_devices(data: bytes, facility: str, facility_system: str) -> list[DeviceRow]:
    """Every device of the file, or the first bad row's error (a code twice is refused)."""
    devices = [_device(row, facility, facility_system) for row in DEVICES.read(data)]
    seen: dict[str, int] = {}
    for found in devices:
        if found.code in seen:
            raise bad_row(found.line, f"Mã máy {found.code} đã có ở dòng {seen[found.code]}",
                          f"device code repeated from line {seen[found.code]}", "code")
        seen[found.code] = found.line
    return devices


def device_class(device: dict[str, Any]) -> str | None:
    for prop in device.get("property") or []:
        for value in prop.get("valueCode") or []:
            for coding in value.get("coding") or []:
                if coding.get("system") == DEVICE_CLASS and coding.get("code") in CLASSES:
                    return str(coding["code"])
    return None


def usage_by_month(procedures: Iterable[dict[str, Any]], codes: set[str] | None
                   ) -> Counter[tuple[str, str]]:  # fmt: skip
    """(device code, YYYY-MM) → services performed with it, from Procedures'
    `usedReference` in the `ma-may` system (`codes`: only these devices; None: all)."""
    counts: Counter[tuple[str, str]] = Counter()
    for procedure in procedures:
        month = str(procedure.get("performedDateTime") or "")[:7]
        if len(month) != 7 or procedure.get("status") == "entered-in-error":
            continue
        for used in procedure.get("usedReference") or []:
            if not isinstance(used, dict):
                continue
            ident = used.get("identifier") or {}
            code = ident.get("value") if ident.get("system") == DEVICE_CODE else None
            # De-identified (what an officer reads), the identifier is gone; the mapping
            # writes the code as the display too, trusted only for a known device.
            if code is None and codes is not None and used.get("display") in codes:
                code = used["display"]
            if code and (codes is None or code in codes):
                counts[(str(code), month)] += 1
    return counts
