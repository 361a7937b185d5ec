"""A daily incidence series as EpiEstim's `process_I` leaves it: local and imported
cases per time step, and the dates, if any.

EpiEstim's conventions, kept here:
- given only the total `I`, the first day's cases are all imported and every later
  case is local (`local[1] = 0`, `imported = (I[1], 0, 0, …)`);
- given `local` and `imported` (which take precedence over `I`), local cases on the
  first day are moved to imported, with a warning;
- missing counts (None, NaN) count as 0; negative counts are refused;
- dates are whole numbers or calendar dates, one time step apart (`check_dates`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from hoso.publichealth.rt.errors import RtInputError

Day = date | int
Count = float | int | None


@dataclass(frozen=True)
class Incidence:
    """Cases per time step, split as EpiEstim splits them; `notes` are EpiEstim's
    warnings raised while building it."""

    local: tuple[float, ...]
    imported: tuple[float, ...]
    dates: tuple[Day, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> tuple[float, ...]:
        return tuple(a + b for a, b in zip(self.local, self.imported, strict=True))

    def __len__(self) -> int:
        return len(self.local)


FIRST_DAY_LOCAL = (
    "incid$local[1] is >0 but must be 0, as all cases on the first time step are "
    "assumed imported. This is corrected automatically by cases being transferred "
    "to incid$imported."
)


def _counts(values: Sequence[Count], column: str) -> list[float]:
    counts = [0.0 if v is None or math.isnan(v) else float(v) for v in values]
    if any(c < 0 for c in counts):
        raise RtInputError(
            f"cột {column} có số ca âm",
            f"incid must contain only non negative integer values (column {column})",
        )
    return counts


def check_dates(dates: Sequence[Day]) -> tuple[Day, ...]:
    """EpiEstim's `check_dates`: all whole numbers or all dates, each one step after the
    one before."""
    if all(isinstance(d, date) for d in dates):
        steps = {(b - a).days for a, b in pairwise(dates)}  # type: ignore[operator]
    elif all(isinstance(d, int) and not isinstance(d, bool) for d in dates):
        steps = {b - a for a, b in pairwise(dates)}  # type: ignore[operator]
    else:
        raise RtInputError(
            "ngày phải cùng là ngày lịch hoặc cùng là số nguyên",
            "incid$dates must be an object of class date or numeric",
        )
    if steps - {1}:
        raise RtInputError(
            "các ngày phải liên tiếp, tăng dần từng ngày một",
            "incid$dates must contain dates which are all in a row",
        )
    return tuple(dates)


def incidence_from_series(
    incid: Incidence | Sequence[Count] | Mapping[str, Sequence[Day] | Sequence[Count]],
) -> Incidence:
    """EpiEstim's `process_I`: from the series `I`, or a mapping (EpiEstim's data frame)
    with `I` or `local` and `imported`, and optionally `dates`."""
    if isinstance(incid, Incidence):
        return incid
    if not isinstance(incid, Mapping):
        incid = {"I": incid}
    notes: list[str] = []
    if "local" in incid and "imported" in incid:
        local = _counts(incid["local"], "local")  # type: ignore[arg-type]
        imported = _counts(incid["imported"], "imported")  # type: ignore[arg-type]
        if len(local) != len(imported):
            raise RtInputError(
                "cột local và imported dài khác nhau",
                "the local and imported columns differ in length",
            )
    elif "I" in incid:
        total = _counts(incid["I"], "I")  # type: ignore[arg-type]
        local = [0.0, *total[1:]] if total else []
        imported = [total[0], *[0.0] * (len(total) - 1)] if total else []
    else:
        raise RtInputError(
            "chuỗi tỷ lệ mới mắc cần cột I, hoặc hai cột local và imported",
            "incid must have a column called 'I', or 2 columns called 'local' and 'imported'",
        )
    if not local:
        raise RtInputError("chuỗi tỷ lệ mới mắc trống", "the incidence series is empty")
    if local[0] > 0:
        notes.append(FIRST_DAY_LOCAL)
        imported[0] += local[0]
        local[0] = 0.0
    dates = incid.get("dates")
    if dates is not None:
        if len(dates) != len(local):
            raise RtInputError(
                "số ngày khác số dòng ca bệnh",
                "the dates and the counts differ in length",
            )
        dates = check_dates(dates)  # type: ignore[arg-type]
    return Incidence(tuple(local), tuple(imported), dates, tuple(notes))  # type: ignore[arg-type]
