"""The CSV files of `hoso surveillance rt` (docs/rt.md):

- incidence: a header `dates,I` or `dates,local,imported` (other columns ignored; with
  both I and local/imported, local/imported are used, as EpiEstim does), one row per
  day; dates all ISO (2024-03-01) or all whole numbers, consecutive and increasing;
  counts whole numbers ≥ 0, an empty cell or NA counting as 0 (EpiEstim's NA → 0);
- serial interval: a header `k,p`, k = 0, 1, 2, … in order, p the probability of k days;
- output: `t_start,t_end` (EpiEstim's 1-based time steps, integers) then EpiEstim's
  nine columns; NA is an empty cell; numbers in Python's shortest round-trip form.

Every refusal is an `RtInputError` with a bilingual message.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

from hoso.publichealth.rt.cori import R_COLUMNS, RtEstimate
from hoso.publichealth.rt.errors import RtInputError
from hoso.publichealth.rt.incidence import Day, Incidence, incidence_from_series

OUTPUT_COLUMNS = ("t_start", "t_end", *R_COLUMNS)


def _rows(path: Path, what_vi: str, what_en: str) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            table = [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RtInputError(
            f"không đọc được {what_vi} {path}", f"cannot read {what_en} {path}: {exc}"
        ) from exc
    if len(table) < 2:
        raise RtInputError(f"{what_vi} {path} trống", f"{what_en} {path} is empty")
    header = [cell.strip() for cell in table[0]]
    for number, row in enumerate(table[1:], start=2):
        if len(row) != len(header):
            raise RtInputError(
                f"dòng {number} của {what_vi} có {len(row)} ô, tiêu đề có {len(header)}",
                f"line {number} of {what_en} has {len(row)} cells, the header {len(header)}",
            )
    return header, [[cell.strip() for cell in row] for row in table[1:]]


def _count(cell: str, column: str, line: int) -> float:
    if cell in ("", "NA"):
        return 0.0
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value != int(value) or value < 0:
        raise RtInputError(
            f"dòng {line}, cột {column}: số ca phải là số nguyên ≥ 0, không phải {cell!r}",
            f"line {line}, column {column}: a count must be a whole number >= 0, not {cell!r}",
        )
    return value


def _day(cell: str, line: int) -> Day:
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        return date.fromisoformat(cell)
    except ValueError:
        raise RtInputError(
            f"dòng {line}: ngày {cell!r} không phải ngày ISO (YYYY-MM-DD) hay số nguyên",
            f"line {line}: the date {cell!r} is neither an ISO date (YYYY-MM-DD) "
            "nor a whole number",
        ) from None


def read_incidence_csv(path: Path) -> Incidence:
    """The incidence file, as EpiEstim's `process_I` leaves it."""
    header, rows = _rows(path, "tệp tỷ lệ mới mắc", "the incidence file")
    if "dates" not in header:
        raise RtInputError(
            "Tệp tỷ lệ mới mắc thiếu cột dates", "the incidence file lacks a dates column"
        )
    split = "local" in header and "imported" in header
    if not split and "I" not in header:
        raise RtInputError(
            "Tệp tỷ lệ mới mắc thiếu cột I (hoặc hai cột local và imported)",
            "the incidence file lacks an I column (or local and imported columns)",
        )
    columns = ("local", "imported") if split else ("I",)
    series: dict[str, list] = {"dates": [_day(r[header.index("dates")], n) for n, r in
                                         enumerate(rows, start=2)]}  # fmt: skip
    for column in columns:
        at = header.index(column)
        series[column] = [_count(r[at], column, n) for n, r in enumerate(rows, start=2)]
    return incidence_from_series(series)


def read_si_distr_csv(path: Path) -> list[float]:
    """The serial interval file (k, p); EpiEstim's checks on it are `estimate_r`'s."""
    header, rows = _rows(path, "tệp khoảng nối tiếp", "the serial interval file")
    if "k" not in header or "p" not in header:
        raise RtInputError(
            "Tệp khoảng nối tiếp thiếu cột k hoặc p",
            "the serial interval file lacks a k or a p column",
        )
    k_at, p_at = header.index("k"), header.index("p")
    distr = []
    for expected, row in enumerate(rows):
        try:
            k, p = int(row[k_at]), float(row[p_at])
        except ValueError:
            raise RtInputError(
                f"dòng {expected + 2} của tệp khoảng nối tiếp: k phải là số nguyên, p là số",
                f"line {expected + 2} of the serial interval file: k must be a whole "
                "number and p a number",
            ) from None
        if k != expected:
            raise RtInputError(
                "cột k phải là 0, 1, 2, … theo thứ tự",
                "the k column must be 0, 1, 2, … in order",
            )
        distr.append(p)
    return distr


def _cell(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else repr(value)


def write_estimate_csv(estimate: RtEstimate, path: Path) -> None:
    """EpiEstim's R table, NA as an empty cell."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(OUTPUT_COLUMNS)
        for w in estimate.windows:
            writer.writerow([w.t_start, w.t_end, *(_cell(v) for v in w.figures())])
