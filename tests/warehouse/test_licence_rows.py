"""Reading a register file (CSV, XLSX) and its rows: problems named by line and
column, limits that refuse a hostile file whole, the GPHN's five years."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from hoso.warehouse.licences import sheets
from hoso.warehouse.licences.model import (
    Certificate,
    FacilityLicence,
    certificate_of,
    facility_licence_of,
    licence_extension,
    qualification,
)
from hoso.warehouse.licences.rows import parse_certificates, parse_facilities, source_date
from hoso.warehouse.licences.sheets import SheetError, read_sheet
from tests.warehouse.licence_world import CERTIFICATES, FACILITIES


def test_a_csv_register_reads_into_certificates() -> None:
    parsed, problems = parse_certificates(read_sheet(CERTIFICATES.encode("utf-8-sig")))
    assert problems == []
    by_number = {c.number: (line, c) for line, c in parsed}
    line, an = by_number["000101/HCM-GPHN"]
    assert line == 2 and an.kind == "GPHN" and an.scopes == ("y-khoa",)
    assert an.expires == date(2029, 2, 28)  # issued 01/03/2024, five years
    _, nurse = by_number["000104/HCM-GPHN"]
    assert nurse.scopes == ("dieu-duong",)  # the title's own scope when none is written
    _, old = by_number["004567/HCM-CCHN"]
    assert old.kind == "CCHN" and old.expires is None
    _, revoked = by_number["000105/HCM-GPHN"]
    assert (revoked.status, revoked.status_date) == ("thu-hoi", date(2026, 10, 1))


def test_a_semicolon_csv_and_an_xlsx_read_the_same() -> None:
    semicolon = CERTIFICATES.replace(",", ";").replace(";Sở Y tế", ";Sở Y tế")
    book = Workbook()
    sheet = book.active
    for n, line in enumerate(CERTIFICATES.strip().splitlines()):
        cells: list[object] = line.split(",")
        if n:  # a spreadsheet keeps dates as dates
            cells[5] = datetime.strptime(str(cells[5]), "%d/%m/%Y")
        sheet.append(cells)
    data = io.BytesIO()
    book.save(data)
    from_csv = parse_certificates(read_sheet(semicolon.encode()))[0]
    from_xlsx = parse_certificates(read_sheet(data.getvalue()))[0]
    assert [c for _, c in from_xlsx] == [c for _, c in from_csv]
    assert len(from_csv) == 8


def test_problems_are_named_by_line_and_column() -> None:
    text = "\n".join([
        "so_giay_phep,loai,ho_ten,chuc_danh,pham_vi,ngay_cap,ngay_het_han,noi_cap",
        "000201/HCM-GPHN,GPHN,A,bac-si,y-khoa,2024-02-01,01/01/2024,Sở Y tế TP.HCM",
        ",GPHN,B,bac-si,,01/02/2024,,Sở Y tế TP.HCM",
        "",
        "000203/HCM-GPHN,GPHN,C,bac-si,than-hoc,01/02/2024,,Sở Y tế TP.HCM",
        "000204/HCM-GPHN,CCHND,D,bac-si,,01/02/2024,,Sở Y tế TP.HCM",
        "000205/HCM-GPHN,GPHN,,bac-si,,01/02/2024,,Sở Y tế TP.HCM",
        "#!/bin/sh,GPHN,E,bac-si,,01/02/2024,,Sở Y tế TP.HCM",
    ])  # fmt: skip
    parsed, problems = parse_certificates(read_sheet(text.encode()))
    assert parsed == []
    assert [(p.line, p.column) for p in problems] == [
        (2, "ngay_het_han"), (3, "so_giay_phep"), (5, "pham_vi"), (6, "loai"), (7, "ho_ten"),
        (8, "so_giay_phep")]  # fmt: skip
    assert all(" / " in p.message for p in problems)  # Vietnamese / English


def test_a_missing_column_is_reported_once_on_the_header() -> None:
    _, problems = parse_certificates(read_sheet(b"so_giay_phep,ho_ten\n1/X,A\n"))
    assert {(p.line, p.column) for p in problems} == {(1, "loai"), (1, "chuc_danh"),
                                                     (1, "ngay_cap"), (1, "noi_cap")}  # fmt: skip


def test_facilities_read_with_beds_and_an_optional_expiry() -> None:
    parsed, problems = parse_facilities(read_sheet(FACILITIES.encode()))
    assert problems == []
    clinic, hospital = (lic for _, lic in parsed)
    assert (clinic.facility_code, clinic.beds, clinic.expires) == ("79001", None, None)
    assert (hospital.beds, hospital.expires) == (250, date(2027, 1, 15))
    bad = FACILITIES.replace(",250,", ",nhiều,")
    assert [p.column for p in parse_facilities(read_sheet(bad.encode()))[1]] == ["so_giuong"]


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00bad", b"PK\x03\x04 not a zip", b"\n\n"])
def test_unreadable_files_are_refused_whole(data: bytes) -> None:
    with pytest.raises(SheetError):
        read_sheet(data)


def test_limits_refuse_enormous_files(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SheetError, match="MB"):
        read_sheet(b"x" * (sheets.MAX_BYTES + 1))
    monkeypatch.setattr(sheets, "MAX_ROWS", 3)
    with pytest.raises(SheetError, match="3"):
        read_sheet(b"a\n1\n2\n3\n4\n")
    with pytest.raises(SheetError, match="line 2"):
        read_sheet(b"a\n" + b"y" * (sheets.MAX_CELL + 1) + b"\n")
    wide = ",".join(f"c{i}" for i in range(sheets.MAX_COLUMNS + 1)).encode()
    with pytest.raises(SheetError, match="columns"):
        read_sheet(wide + b"\n1\n")
    book = Workbook()
    book.active.append([f"c{i}" for i in range(sheets.MAX_COLUMNS + 50)])
    data = io.BytesIO()
    book.save(data)
    with pytest.raises(SheetError, match="columns"):
        read_sheet(data.getvalue())


def test_the_source_states_its_date() -> None:
    assert source_date("Sở Y tế TP.HCM, công khai 01/12/2026") == date(2026, 12, 1)
    assert source_date("danh sách 3/1/2025, cập nhật 15/11/2026") == date(2026, 11, 15)
    assert source_date("Sở Y tế TP.HCM") is None
    assert source_date("công khai 31/02/2026") is None


def test_fhir_shapes_read_back_as_what_was_written() -> None:
    cert = Certificate("000101/HCM-GPHN", "GPHN", "bac-si", ("y-khoa", "nhi-khoa"),
                       date(2024, 3, 1), date(2029, 2, 28), "Sở Y tế TP.HCM", "thu-hoi",
                       date(2026, 1, 2), "An", "p1")  # fmt: skip
    assert certificate_of(qualification(cert, "Organization/x"), "An", "p1") == cert
    lic = FacilityLicence("01234/HCM-GPHD", "PK", "benh-vien", "Đa khoa", "1 Lê Lợi", 30,
                          date(2020, 1, 1), None, "Bộ Y tế", facility_code="",
                          organization_id="o1")  # fmt: skip
    org = {"resourceType": "Organization", "id": "o1", "name": "PK",
           "address": [{"text": "1 Lê Lợi"}],
           "extension": [licence_extension(lic, "Organization/y")]}  # fmt: skip
    assert facility_licence_of(org) == lic
