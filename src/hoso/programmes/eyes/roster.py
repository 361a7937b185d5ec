"""Class rosters from CSV (docs/programmes-eyes.md, "Roster CSV"): one row per child,

    school_code,school_name,school_ward,school_year,class,grade,cccd,family_name,given_name,birth_date,sex

UTF-8 (a BOM is allowed), comma-separated, a header line with those names (any order;
extra columns are ignored). A child is named by their CCCD (12 digits) or, without one,
by full name + birth date (dd/mm/yyyy) + sex (nam/nữ, male/female); the MPI decides who
it is (the caller resolves; nothing here creates anyone). Rows that cannot be read are
reported with their line number and the field, never guessed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from hoso.core.errors import InvalidRequest

__all__ = ["COLUMNS", "MAX_BYTES", "MAX_ROWS", "RosterProblem", "RosterRow", "read_roster"]

COLUMNS = ("school_code", "school_name", "school_ward", "school_year", "class", "grade",
           "cccd", "family_name", "given_name", "birth_date", "sex")  # fmt: skip
REQUIRED = ("school_code", "school_name", "school_ward", "school_year", "class")
MAX_BYTES, MAX_ROWS = 5 * 1024 * 1024, 50_000
_SEX = {"nam": "male", "male": "male", "m": "male", "nữ": "female", "nu": "female",
        "female": "female", "f": "female"}  # fmt: skip
_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_WARD = re.compile(r"^\d{5}$")
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    school_code: str
    school_name: str
    school_ward: str
    school_year: str
    class_name: str
    grade: int | None
    cccd: str | None
    family_name: str
    given_name: str
    birth_date: date | None
    sex: str | None


@dataclass(frozen=True, slots=True)
class RosterProblem:
    line: int
    field: str
    message: str


def _day(text: str) -> date | None:
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _row(line: int, raw: dict[str, str]) -> RosterRow | RosterProblem:
    v = {k: " ".join((raw.get(k) or "").split()) for k in COLUMNS}
    for key in REQUIRED:
        if not v[key]:
            return RosterProblem(line, key, "bắt buộc / required")
    checks = ((v["school_code"], _CODE, "school_code"), (v["school_ward"], _WARD, "school_ward"),
              (v["school_year"], _YEAR, "school_year"))  # fmt: skip
    for value, pattern, key in checks:
        if not pattern.match(value):
            return RosterProblem(line, key, f"không hợp lệ / invalid {value[:20]!r}")
    first, second = (int(x) for x in v["school_year"].split("-"))
    if second != first + 1:
        return RosterProblem(line, "school_year", "dạng 2026-2027 / like 2026-2027")
    grade = int(v["grade"]) if v["grade"].isdigit() and 1 <= int(v["grade"]) <= 12 else None
    if v["grade"] and grade is None:
        return RosterProblem(line, "grade", "lớp 1–12 / grade 1–12")
    if len(v["class"]) > 32 or len(v["school_name"]) > 200:
        return RosterProblem(line, "class", "quá dài / too long")
    cccd = v["cccd"] or None
    if cccd is not None and not re.fullmatch(r"\d{12}", cccd):
        return RosterProblem(line, "cccd", "12 chữ số / 12 digits")
    born = _day(v["birth_date"]) if v["birth_date"] else None
    if v["birth_date"] and born is None:
        return RosterProblem(line, "birth_date", "dd/mm/yyyy")
    sex = _SEX.get(v["sex"].lower()) if v["sex"] else None
    if v["sex"] and sex is None:
        return RosterProblem(line, "sex", "nam | nữ")
    if cccd is None and not (v["family_name"] and v["given_name"] and born and sex):
        return RosterProblem(line, "cccd", "cần CCCD hoặc họ tên + ngày sinh + giới / a CCCD "
                                           "or name + birth date + sex")  # fmt: skip
    if max(len(v["family_name"]), len(v["given_name"])) > 100:
        return RosterProblem(line, "family_name", "quá dài / too long")
    return RosterRow(line, v["school_code"], v["school_name"], v["school_ward"],
                     v["school_year"], v["class"], grade, cccd, v["family_name"],
                     v["given_name"], born, sex)  # fmt: skip


def read_roster(data: bytes) -> tuple[list[RosterRow], list[RosterProblem]]:
    """The rows of a roster file and the problems of the rows that cannot be read.
    A file that is not a roster at all (too big, not UTF-8, no header) is refused."""
    if len(data) > MAX_BYTES:
        raise InvalidRequest(f"Tệp quá lớn / file too large (> {MAX_BYTES // 1024 // 1024} MB)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest("Tệp không phải UTF-8 / the file is not UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidRequest(f"Thiếu cột / missing columns: {', '.join(missing)}")
    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    try:
        for raw in reader:
            if reader.line_num > MAX_ROWS + 1:
                raise InvalidRequest(f"Quá nhiều dòng / too many rows (> {MAX_ROWS})")
            made = _row(reader.line_num, raw)
            (rows if isinstance(made, RosterRow) else problems).append(made)  # type: ignore[arg-type]
    except csv.Error as exc:
        raise InvalidRequest(f"CSV sai ở dòng / malformed CSV at line {reader.line_num}: {exc}"
                             ) from None  # fmt: skip
    return rows, problems
