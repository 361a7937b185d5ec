"""The CSV files of `hoso surveillance detect` (docs/outbreak-detection.md, "Files").

Input: a header with `count` and either `date` (each week's first day, ISO 8601, weeks
7 days apart: a date-based series) or `t` (consecutive integers: an index-based series
with 52 weeks a year); `population` is optional. Output: `date|t,count,upperbound,
expected,alarm`, numbers as R's sprintf("%.17g"), empty where R gives NA, alarms
TRUE/FALSE as R writes them. Every error is a `SeriesFileError` whose message says what
is wrong in Vietnamese, then in English.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from hoso.publichealth.detection.series import CountSeries, Detection


class SeriesFileError(ValueError):
    """The input file cannot be read as a weekly count series."""


@dataclass(frozen=True)
class LabelledSeries:
    """The series and the label of each week as the file gave it (its date or t)."""

    series: CountSeries
    label_column: str
    labels: list[str]


def _rows(text: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text))
    lines = [row for row in reader if any(cell.strip() for cell in row)]
    if not lines:
        raise SeriesFileError("Tệp đầu vào trống / the input file is empty")
    header = [cell.strip() for cell in lines[0]]
    if len(lines) == 1:
        raise SeriesFileError("Tệp đầu vào không có tuần nào / the input has no weeks")
    return header, lines[1:]


def _column(header: list[str], rows: list[list[str]], name: str) -> list[str]:
    index = header.index(name)
    values = []
    for number, row in enumerate(rows, start=2):
        if index >= len(row) or not row[index].strip():
            raise SeriesFileError(f"Dòng {number} thiếu giá trị {name} / line {number} lacks "
                                  f"a {name} value")  # fmt: skip
        values.append(row[index].strip())
    return values


def _counts(values: list[str]) -> list[int]:
    counts = []
    for number, value in enumerate(values, start=2):
        try:
            count = int(value)
        except ValueError:
            message = (f"Dòng {number}: số ca '{value}' không phải số nguyên / "
                       f"line {number}: count '{value}' is not an integer")  # fmt: skip
            raise SeriesFileError(message) from None
        if count < 0:
            raise SeriesFileError(f"Dòng {number}: số ca âm ({count}) / line {number}: "
                                  f"negative count ({count})")  # fmt: skip
        counts.append(count)
    return counts


def _dates(values: list[str]) -> list[date]:
    days = []
    for number, value in enumerate(values, start=2):
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            message = (f"Dòng {number}: ngày '{value}' không đọc được (YYYY-MM-DD) / "
                       f"line {number}: unparsable date '{value}'")  # fmt: skip
            raise SeriesFileError(message) from None
    for number, (before, after) in enumerate(itertools.pairwise(days), start=3):
        if (after - before).days != 7:
            message = (f"Dòng {number}: các ngày không cách nhau đúng 7 ngày / "
                       f"line {number}: the dates are not weekly (7 days apart)")  # fmt: skip
            raise SeriesFileError(message)
    return days


def _positions(values: list[str]) -> None:
    try:
        numbers = [int(value) for value in values]
    except ValueError:
        raise SeriesFileError("Cột t phải là số nguyên / the t column must hold integers") from None
    if any(b - a != 1 for a, b in itertools.pairwise(numbers)):
        raise SeriesFileError("Cột t phải tăng liên tiếp từng 1 / t must increase by 1 per week")


def _population(values: list[str]) -> list[float]:
    try:
        population = [float(value) for value in values]
    except ValueError:
        raise SeriesFileError("Cột population phải là số / population must be numeric") from None
    if any(not value > 0 or value == float("inf") for value in population):
        raise SeriesFileError("Dân số phải dương / population must be positive")
    return population


def read_series(path: Path) -> LabelledSeries:
    """The series in the CSV file at `path` (a SeriesFileError when malformed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeriesFileError(f"Không đọc được tệp {path} / cannot read {path}: {exc}") from None
    header, rows = _rows(text)
    if "count" not in header:
        raise SeriesFileError("Tệp đầu vào thiếu cột count / the input lacks a count column")
    if "date" not in header and "t" not in header:
        raise SeriesFileError("Tệp đầu vào thiếu cột date hoặc t / the input lacks a date or "
                              "t column")  # fmt: skip
    counts = _counts(_column(header, rows, "count"))
    population = None
    if "population" in header:
        population = _population(_column(header, rows, "population"))
    label_column = "date" if "date" in header else "t"
    labels = _column(header, rows, label_column)
    if label_column == "date":
        series = CountSeries.weekly(counts, _dates(labels), population)
    else:
        _positions(labels)
        series = CountSeries.weekly(counts, None, population)
    return LabelledSeries(series, label_column, labels)


def _number(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.17g}"


def detection_csv(source: LabelledSeries, detection: Detection) -> str:
    """The output file's text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([source.label_column, "count", "upperbound", "expected", "alarm"])
    for i, position in enumerate(detection.positions):
        alarm = detection.alarm[i]
        writer.writerow([
            source.labels[position - 1], int(detection.count[i]),
            _number(detection.upperbound[i]), _number(detection.expected[i]),
            "" if alarm is None else ("TRUE" if alarm else "FALSE"),
        ])  # fmt: skip
    return out.getvalue()
