"""The monthly report as the spreadsheet a ward health station sends upward: one sheet
per programme (openpyxl), Vietnamese headings first, a title block (station, ward,
month, period, day prepared), the indicators (numerator, denominator, rate, target,
source), the enrolled residents by age band and sex, each indicator by age band and
sex, and the signature lines. Rates are stored as numbers with a percent format, so
the sheet can be summed and charted as sent.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from hoso.programmes.reports.monthly import IndicatorResult, MonthlyReport

__all__ = ["HEADINGS", "report_workbook"]

HEADINGS = ("STT", "Chỉ số / Indicator", "Tử số / Numerator", "Mẫu số / Denominator",
            "Tỷ lệ / Rate", "Mục tiêu / Target", "Nguồn / Source")  # fmt: skip
SEXES = {"female": "Nữ / Female", "male": "Nam / Male", "other": "Khác / Other",
         "unknown": "Không rõ / Unknown"}  # fmt: skip
_BOLD, _TITLE = Font(bold=True), Font(bold=True, size=14)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _row(sheet: Worksheet, values: Sequence[object], *, bold: bool = False,
         box: bool = False) -> int:  # fmt: skip
    sheet.append(list(values))
    at = sheet.max_row
    for cell in sheet[at]:
        if bold:
            cell.font = _BOLD
        if box and cell.column <= len(values):
            cell.border, cell.alignment = _BOX, _WRAP
    return at


def _title_block(sheet: Worksheet, report: MonthlyReport, ward_name: str, station: str,
                 prepared: date) -> None:  # fmt: skip
    sheet.append([station.upper(), None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append([f"Phường/xã / Ward: {ward_name}", None, None, None,
                  "Độc lập - Tự do - Hạnh phúc"])  # fmt: skip
    for cell in (sheet["A1"], sheet["E1"], sheet["E2"]):
        cell.font = _BOLD
    sheet.append([])
    sheet.append([f"BÁO CÁO THÁNG {report.start:%m/%Y} / MONTHLY REPORT {report.start:%m/%Y}"])
    sheet.cell(sheet.max_row, 1).font = _TITLE
    name = report.name
    sheet.append([f"Chương trình / Programme: {name.get('vi', report.programme)}"
                  f" ({name.get('en', report.programme)})"])  # fmt: skip
    sheet.append([f"Kỳ báo cáo / Period: {_dmy(report.start)} – {_dmy(report.end)}"])
    sheet.append([f"Ngày lập / Prepared: {_dmy(prepared)}"])
    sheet.append([])


def _rate(sheet: Worksheet, at: int, column: int) -> None:
    sheet.cell(at, column).number_format = "0.0%"


def _indicators(sheet: Worksheet, report: MonthlyReport) -> None:
    _row(sheet, ["I. CHỈ SỐ / INDICATORS"], bold=True)
    _row(sheet, HEADINGS, bold=True, box=True)
    _row(sheet, [1, "Số người đăng ký quản lý / Residents enrolled", report.enrolled, None,
                 None, None, None], box=True)  # fmt: skip
    for n, result in enumerate(report.indicators, start=2):
        ind = result.indicator
        at = _row(sheet, [n, f"{ind.name.get('vi', ind.code)} / {ind.name.get('en', ind.code)}",
                          result.numerator, result.denominator, result.score, ind.target,
                          ind.source or None], box=True)  # fmt: skip
        _rate(sheet, at, 5)
        _rate(sheet, at, 6)
    sheet.append([])


def _enrolled_by(sheet: Worksheet, report: MonthlyReport) -> None:
    _row(sheet, ["II. SỐ NGƯỜI QUẢN LÝ THEO NHÓM TUỔI, GIỚI / ENROLLED BY AGE BAND, SEX"],
         bold=True)  # fmt: skip
    _row(sheet, ["Nhóm tuổi / Age band", "Số người / Residents"], bold=True, box=True)
    for band, n in sorted(report.by_band.items(), key=lambda kv: _band_key(kv[0])):
        _row(sheet, [band, n], box=True)
    _row(sheet, ["Giới / Sex", "Số người / Residents"], bold=True, box=True)
    for sex, n in sorted(report.by_sex.items()):
        _row(sheet, [SEXES.get(sex, sex), n], box=True)
    sheet.append([])


def _strata(sheet: Worksheet, results: Sequence[IndicatorResult]) -> None:
    _row(sheet, ["III. CHỈ SỐ THEO NHÓM TUỔI, GIỚI / INDICATORS BY AGE BAND, SEX"], bold=True)
    _row(sheet, ["Chỉ số / Indicator", "Phân tầng / Stratum", "Tử số / Numerator",
                 "Mẫu số / Denominator", "Tỷ lệ / Rate"], bold=True, box=True)  # fmt: skip
    for result in results:
        for s in result.strata:
            label = s.value if s.by == "age-band" else SEXES.get(s.value, s.value)
            score = s.numerator / s.denominator if s.denominator else None
            at = _row(sheet, [result.indicator.code, label, s.numerator, s.denominator, score],
                      box=True)  # fmt: skip
            _rate(sheet, at, 5)
    sheet.append([])


def _signatures(sheet: Worksheet) -> None:
    sheet.append([])
    _row(sheet, ["Người lập biểu / Prepared by", None, None, None, "Trưởng trạm / Head of station"],
         bold=True)  # fmt: skip
    sheet.append(["(Ký, ghi rõ họ tên / Signature, full name)", None, None, None,
                  "(Ký, đóng dấu / Signature, seal)"])  # fmt: skip


def _band_key(band: str) -> int:
    head = band.split("-")[0].rstrip("+")
    return int(head) if head.isdigit() else 999


def _sheet_title(code: str, taken: set[str]) -> str:
    title = _BAD_SHEET.sub("-", code)[:31] or "programme"
    while title in taken:
        title = f"{title[:28]}-{len(taken)}"
    taken.add(title)
    return title


def report_workbook(reports: Sequence[MonthlyReport], *, ward_name: str, station: str,
                    prepared: date) -> bytes:  # fmt: skip
    """The .xlsx of `reports` (one sheet each), as bytes."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for report in reports:
        sheet = book.create_sheet(_sheet_title(report.programme, taken))
        _title_block(sheet, report, ward_name, station, prepared)
        _indicators(sheet, report)
        _enrolled_by(sheet, report)
        _strata(sheet, report.indicators)
        _signatures(sheet)
        for column, width in zip("ABCDEFG", (8, 48, 14, 14, 12, 14, 40), strict=True):
            sheet.column_dimensions[column].width = width
    if not reports:
        book.create_sheet("trong-empty").append(["Không có chương trình / No programme"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
