"""The tables facilities keep (CSV or .xlsx) as rows of named cells, with the line each
came from: the one reader behind the workforce, equipment and stock imports.

A column is known by its Vietnamese header or an English alias, compared folded (case,
diacritics and spacing ignored: "Họ tên", "HO TEN" and "ho  ten" are one header). An
unknown header is refused rather than ignored, so a misspelt column cannot drop its data
silently. The whole file is checked before any row is used (`Template.read`), so the
importers can promise all or nothing.

.xlsx through openpyxl (read-only, values not formulas); the first sheet is read. CSV
as UTF-8 (with or without BOM), comma or semicolon separated (Excel in a Vietnamese
locale writes semicolons).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hoso.core.errors import InvalidRequest, PayloadTooLarge
from hoso.core.text import fold

__all__ = ["MAX_BYTES", "MAX_ROWS", "Column", "Row", "Template", "bad_row"]

MAX_BYTES = 8 * 1024 * 1024  # a large hospital's staff or stock list is well under 1 MB
MAX_ROWS = 20_000
MAX_CELL = 1024
MAX_COLUMNS = 64  # the templates have at most 9; a sheet may carry empty ones after
MAX_LINES = 5 * MAX_ROWS  # blank lines included: a sheet that declares a million is refused
MAX_UNZIPPED = 64 * 1024 * 1024  # an .xlsx expands ~10×; more is a zip bomb, not a list
_ZIP = b"PK\x03\x04"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the name the importer uses
    header_vi: str  # the template's header
    aliases: tuple[str, ...] = ()  # English and other spellings
    required: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # 1 is the header; the first data row is 2, as a spreadsheet numbers it
    cells: dict[str, str]  # key → text, stripped; absent when empty

    def get(self, key: str) -> str | None:
        return self.cells.get(key)


def bad_row(line: int, vi: str, en: str, column: str | None = None) -> InvalidRequest:
    where = [f"line {line}"] + ([column] if column else [])
    return InvalidRequest(f"Dòng {line}: {vi} / Line {line}: {en}", expression=where)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed into Excel: 12345.0 is "12345"
    return str(value).strip()


def _unzipped_size(data: bytes) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidRequest("Tệp .xlsx hỏng / damaged .xlsx file") from exc


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    if _unzipped_size(data) > MAX_UNZIPPED:
        raise PayloadTooLarge(f"Tệp .xlsx giải nén lớn hơn {MAX_UNZIPPED // 1024 // 1024} MB "
                              f"/ .xlsx larger than {MAX_UNZIPPED // 1024 // 1024} MB "
                              "unzipped")  # fmt: skip
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidRequest(f"Tệp .xlsx hỏng / damaged .xlsx file ({type(exc).__name__})"
                             ) from exc  # fmt: skip
    try:
        for values in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield [_text(v) for v in values]
    finally:
        book.close()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("Tệp CSV phải mã hoá UTF-8 / a CSV file must be UTF-8") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
            yield [c.strip() for c in cells[:MAX_COLUMNS]]
    except csv.Error as exc:  # a field over csv's own limit, a stray quote at the end…
        raise InvalidRequest(f"Tệp CSV sai cấu trúc / malformed CSV ({str(exc)[:80]})"
                             ) from exc  # fmt: skip


@dataclass(frozen=True)
class Template:
    columns: tuple[Column, ...]

    def _header_map(self, header: list[str]) -> dict[int, str]:
        known: dict[str, str] = {}
        for col in self.columns:
            for name in (col.header_vi, col.key, *col.aliases):
                known[fold(name)] = col.key
        found: dict[int, str] = {}
        for index, name in enumerate(header):
            if not name:
                continue
            key = known.get(fold(name))
            if key is None:
                raise bad_row(1, f"cột '{name[:64]}' không có trong mẫu",
                              f"unknown column '{name[:64]}'")  # fmt: skip
            if key in found.values():
                raise bad_row(1, f"cột '{name[:64]}' lặp lại", f"column '{name[:64]}' repeated")
            found[index] = key
        missing = [c.header_vi for c in self.columns if c.required and c.key not in found.values()]
        if missing:
            raise bad_row(1, "thiếu cột " + ", ".join(missing),
                          "missing column(s) " + ", ".join(missing))  # fmt: skip
        return found

    def read(self, data: bytes) -> list[Row]:
        """Every data row (blank ones skipped), or the first problem of the file."""
        if len(data) > MAX_BYTES:
            raise PayloadTooLarge(f"Tệp lớn hơn {MAX_BYTES // 1024 // 1024} MB / file larger "
                                  f"than {MAX_BYTES // 1024 // 1024} MB")  # fmt: skip
        if not data.strip():
            raise InvalidRequest("Tệp rỗng / empty file")
        lines = _xlsx_rows(data) if data.startswith(_ZIP) else _csv_rows(data)
        header = next(lines, None)
        if header is None:
            raise InvalidRequest("Tệp rỗng / empty file")
        columns = self._header_map(header)
        rows: list[Row] = []
        for line, values in enumerate(lines, start=2):
            if line > MAX_LINES:
                raise PayloadTooLarge(f"Quá {MAX_LINES} dòng / more than {MAX_LINES} lines")
            cells = {columns[i]: v for i, v in enumerate(values) if i in columns and v}
            if not cells:
                continue
            if len(rows) >= MAX_ROWS:
                raise PayloadTooLarge(f"Quá {MAX_ROWS} dòng / more than {MAX_ROWS} rows")
            control = next((k for k, v in cells.items() if _CONTROL.search(v)), None)
            if control:  # NUL and the like: PostgreSQL text cannot hold NUL at all
                raise bad_row(line, f"ô '{control}' chứa ký tự điều khiển",
                              f"cell '{control}' holds a control character", control)  # fmt: skip
            long = next((k for k, v in cells.items() if len(v) > MAX_CELL), None)
            if long:
                raise bad_row(line, f"ô '{long}' dài quá {MAX_CELL} ký tự",
                              f"cell '{long}' longer than {MAX_CELL}", long)  # fmt: skip
            for col in self.columns:
                if col.required and col.key not in cells:
                    raise bad_row(line, f"thiếu '{col.header_vi}'", f"'{col.key}' missing",
                                  col.key)  # fmt: skip
            rows.append(Row(line, cells))
        if not rows:
            raise InvalidRequest("Tệp không có dòng dữ liệu / no data rows")
        return rows
