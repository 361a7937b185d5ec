"""Reading the registers' files: CSV (UTF-8, with or without BOM, comma or semicolon)
or XLSX (openpyxl, the first sheet), first row the column names, into rows numbered
as a person sees them in a spreadsheet (the header is line 1).

The limits keep a hostile or mistaken file from exhausting the server: a file over
`MAX_BYTES`, more than `MAX_ROWS` rows or a cell over `MAX_CELL` characters is refused
whole (`SheetError`), never half read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

__all__ = ["MAX_BYTES", "MAX_CELL", "MAX_ROWS", "Row", "SheetError", "read_sheet"]

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_CELL = 1_000
MAX_COLUMNS = 100  # a register has about 12; a sheet 16,384 wide is refused, not read
XLSX_MAGIC = b"PK\x03\x04"


class SheetError(ValueError):
    """The file as a whole cannot be read (its message is bilingual)."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(cells: list[Any]) -> list[str]:
    names = [_text(c).lower() for c in cells]
    while names and not names[-1]:
        names.pop()  # a spreadsheet's empty trailing columns
    if not names:
        raise SheetError("Tệp không có dòng tiêu đề / the file has no header row")
    if len(names) > MAX_COLUMNS:
        raise SheetError(f"Quá {MAX_COLUMNS} cột / more than {MAX_COLUMNS} columns")
    return names


def _rows(table: list[list[Any]]) -> list[Row]:
    if not table:
        raise SheetError("Tệp rỗng / the file is empty")
    if len(table) - 1 > MAX_ROWS:
        raise SheetError(f"Tệp quá {MAX_ROWS} dòng / more than {MAX_ROWS} rows")
    names = _header(table[0])
    rows = []
    for line, values in enumerate(table[1:], start=2):
        cells = {n: _text(v) for n, v in zip(names, values, strict=False) if n}
        if not any(cells.values()):
            continue  # a blank line between blocks, as spreadsheets have
        if any(len(v) > MAX_CELL for v in cells.values()):
            raise SheetError(f"Dòng {line}: ô dài quá {MAX_CELL} ký tự / line {line}: a cell "
                             f"longer than {MAX_CELL} characters")  # fmt: skip
        rows.append(Row(line, cells))
    return rows


def _csv(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError("Tệp CSV không phải UTF-8 / the CSV file is not UTF-8") from exc
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    csv.field_size_limit(MAX_CELL * 4)
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise SheetError(f"CSV không đọc được / unreadable CSV: {str(exc)[:120]}") from exc


def _xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook  # only for .xlsx files

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken archive
        raise SheetError("Tệp XLSX hỏng / broken XLSX file") from exc
    try:
        sheet = book.worksheets[0]
        table = []
        # One column past the limit is read, so that a wider header is seen and refused.
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            table.append(list(values))
            if len(table) > MAX_ROWS + 1:
                raise SheetError(f"Tệp quá {MAX_ROWS} dòng / more than {MAX_ROWS} rows")
        return table
    finally:
        book.close()


def read_sheet(data: bytes) -> list[Row]:
    """The rows of a CSV or XLSX file's content (recognised by its first bytes)."""
    if len(data) > MAX_BYTES:  # (an XLSX's inflated size is bounded by the row and column caps)
        raise SheetError(f"Tệp lớn quá {MAX_BYTES // (1024 * 1024)} MB / file larger than "
                         f"{MAX_BYTES // (1024 * 1024)} MB")  # fmt: skip
    return _rows(_xlsx(data) if data.startswith(XLSX_MAGIC) else _csv(data))
