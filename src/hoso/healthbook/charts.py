"""The book's charts as SVG drawn on the server: blood pressure, glucose and HbA1c,
weight and BMI over time, and, for a child under 5, weight and height for age on the
WHO Child Growth Standards (2006) with the −3, −2, 0, +2 and +3 z-score lines.

Drawn here rather than with a chart library because the pages forbid every script and
every inline style (their Content-Security-Policy): pygal and matplotlib write a
`<style>` element (and pygal a script); this SVG uses presentation attributes only, so
it is inline in the page, scales with it, and needs no second request. Each chart has
a title and description for screen readers, and the page gives its values as a table.

The WHO reference values come from `rcpchgrowth` (the RCPCH's maintained
implementation of the WHO 2006 LMS tables; AGPL-3.0-or-later, which GPL-3.0 permits
combining with).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from rcpchgrowth.global_functions import measurement_from_sds

from hoso.healthbook.measurements import SERIES

__all__ = ["Chart", "Line", "book_charts", "growth_charts", "svg"]

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 560, 320, 56, 36, 32, 48
FONT = 16  # in viewBox units: about 11 px on a 390 px phone, 16 px on a desktop
# Colours with ≥ 4.5:1 contrast on white; lines also differ by dash, not colour alone.
INK, BLUE, RED, GREY = "#1f2937", "#1d4ed8", "#b91c1c", "#6b7280"
Z_LINES = ((-3.0, "6 3"), (-2.0, "4 3"), (0.0, ""), (2.0, "4 3"), (3.0, "6 3"))
GROWTH_MONTHS = 60


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    points: list[tuple[float, float]]
    colour: str = BLUE
    dash: str = ""
    marks: bool = True  # a dot at each measurement (not on reference curves)


@dataclass(slots=True)
class Chart:
    key: str
    title: str
    unit: str
    x_label: str
    lines: list[Line]
    rows: list[tuple[str, str]] = field(default_factory=list)  # (when, value) for the table
    x_ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def svg(self) -> Markup:
        return svg(self)


def book_charts(measurements: dict[str, list[dict[str, Any]]], lang: str) -> list[Chart]:
    """One chart per series with at least one point, oldest to newest."""
    charts = []
    for key in ("blood_pressure", "glucose", "hba1c", "weight", "height", "bmi"):
        points = measurements.get(key) or []
        if not points:
            continue
        _, unit, vi, en = SERIES[key]
        xs = [_day(p["date"]) for p in points]
        if key == "blood_pressure":
            lines = [Line("Tâm thu / Systolic" if lang == "vi" else "Systolic",
                          [(x, p["systolic"]) for x, p in zip(xs, points, strict=True)], RED),
                     Line("Tâm trương / Diastolic" if lang == "vi" else "Diastolic",
                          [(x, p["diastolic"]) for x, p in zip(xs, points, strict=True)],
                          BLUE, "5 3")]  # fmt: skip
            rows = [(p["date"], f"{_num(p['systolic'])}/{_num(p['diastolic'])}") for p in points]
        else:
            lines = [Line(vi if lang == "vi" else en,
                          [(x, p["value"]) for x, p in zip(xs, points, strict=True)])]  # fmt: skip
            rows = [(p["date"], _num(p["value"])) for p in points]
        charts.append(Chart(key, vi if lang == "vi" else en, unit,
                            "Ngày đo" if lang == "vi" else "Date", lines, rows,
                            _year_ticks(min(xs), max(xs))))  # fmt: skip
    return charts


def growth_charts(birth_date: str | None, gender: str | None,
                  measurements: dict[str, list[dict[str, Any]]], lang: str,
                  today: date) -> list[Chart]:  # fmt: skip
    """Weight and height for age on the WHO standards, for a child under 5 whose sex is
    recorded (the standards differ by sex; without it no curve is honest)."""
    born = _date(birth_date)
    sex = {"male": "male", "female": "female"}.get(gender or "")
    if born is None or sex is None or _months(born, today) >= GROWTH_MONTHS:
        return []
    charts = []
    for key, method in (("weight", "weight"), ("height", "height")):
        points = _by_age(born, measurements.get(key) or [], today)
        if not points:
            continue
        _, unit, vi, en = SERIES[key]
        lines = [Line(f"z = {z:+.0f}" if z else "z = 0", _reference(method, sex, z), GREY, dash,
                      marks=False)
                 for z, dash in Z_LINES]  # fmt: skip
        lines.append(Line("Của bé / The child's" if lang == "vi" else "The child's", points))
        title = (f"{vi} theo tuổi (chuẩn WHO 2006)" if lang == "vi"
                 else f"{en} for age (WHO 2006 standards)")  # fmt: skip
        charts.append(Chart(f"growth_{key}", title, unit,
                            "Tháng tuổi" if lang == "vi" else "Age in months", lines,
                            [(f"{m:.1f}", _num(v)) for m, v in points],
                            [(float(m), str(m)) for m in range(0, GROWTH_MONTHS + 1, 12)]))
    return charts


def _by_age(born: date, points: list[dict[str, Any]], today: date) -> list[tuple[float, float]]:
    """(age in months, value) of the measurements taken from birth to 5 years."""
    aged = [(_months(born, _date(p["date"]) or today), p["value"]) for p in points]
    return [(m, v) for m, v in aged if 0 <= m <= GROWTH_MONTHS]


def _reference(method: str, sex: str, z: float) -> list[tuple[float, float]]:
    line = []
    for month in range(0, GROWTH_MONTHS + 1, 2):
        # rcpchgrowth's ages are decimal years; below 2 years "height" is length.
        value = measurement_from_sds("who", z, method, sex, max(month, 0.01) / 12.0)
        if value is not None:
            line.append((float(month), round(float(value), 2)))
    return line


def svg(chart: Chart) -> Markup:
    """The chart as inline SVG: a legend, axes with round ticks, one polyline per line
    (a reference curve labelled at its right end)."""
    xs = [x for line in chart.lines for x, _ in line.points] or [0.0]
    ys = [y for line in chart.lines for _, y in line.points] or [0.0]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    ticks = _nice_ticks(min(ys), max(ys))
    y0, y1 = ticks[0], ticks[-1]

    def sx(x: float) -> float:
        return PAD_L + (x - x0) / (x1 - x0) * (WIDTH - PAD_L - PAD_R)

    def sy(y: float) -> float:
        return HEIGHT - PAD_B - (y - y0) / (y1 - y0) * (HEIGHT - PAD_T - PAD_B)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-labelledby="chart-{chart.key}-title" class="chart" '
             f'font-family="sans-serif" font-size="{FONT}">',
             f'<title id="chart-{chart.key}-title">{escape(chart.title)} ({escape(chart.unit)})'
             f'</title>']  # fmt: skip
    for y in ticks:
        parts.append(f'<line x1="{PAD_L}" y1="{sy(y):.1f}" x2="{WIDTH - PAD_R}" y2="{sy(y):.1f}" '
                     f'stroke="#d1d5db"/><text x="{PAD_L - 6}" y="{sy(y) + 5:.1f}" '
                     f'text-anchor="end" fill="{INK}">{_num(y)}</text>')  # fmt: skip
    parts.append(f'<line x1="{PAD_L}" y1="{HEIGHT - PAD_B}" x2="{WIDTH - PAD_R}" '
                 f'y2="{HEIGHT - PAD_B}" stroke="{INK}"/>')  # fmt: skip
    for x, label in chart.x_ticks:
        if x0 <= x <= x1:
            parts.append(f'<text x="{sx(x):.1f}" y="{HEIGHT - PAD_B + FONT + 4}" '
                         f'text-anchor="middle" fill="{INK}">{escape(label)}</text>')  # fmt: skip
    parts.append(f'<text x="{(WIDTH + PAD_L) / 2:.0f}" y="{HEIGHT - 4}" text-anchor="middle" '
                 f'fill="{INK}">{escape(chart.x_label)}</text>')  # fmt: skip
    for line in chart.lines:
        parts += _polyline(line, [(sx(x), sy(y)) for x, y in line.points])
    parts += _legend([line for line in chart.lines if line.marks])
    parts.append("</svg>")
    return Markup("".join(parts))


def _polyline(line: Line, points: list[tuple[float, float]]) -> list[str]:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
    drawn = [f'<polyline points="{coords}" fill="none" stroke="{line.colour}" '
             f'stroke-width="{2.5 if line.marks else 1.5}"{dash}>'
             f'<title>{escape(line.label)}</title></polyline>']  # fmt: skip
    if line.marks:
        drawn += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{line.colour}"/>'
                  for x, y in points]  # fmt: skip
    elif points:  # a reference curve says which it is where it ends
        x, y = points[-1]
        label = escape(line.label.removeprefix("z = "))
        drawn.append(f'<text x="{x + 4:.1f}" y="{y + 5:.1f}" fill="{GREY}" '
                     f'font-size="{FONT - 3}">{label}</text>')  # fmt: skip
    return drawn


def _legend(lines: list[Line]) -> list[str]:
    """A sample of each measured line and its name, across the top."""
    parts, x = [], PAD_L
    for line in lines:
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        parts.append(f'<line x1="{x}" y1="14" x2="{x + 24}" y2="14" stroke="{line.colour}" '
                     f'stroke-width="2.5"{dash}/><text x="{x + 30}" y="19" fill="{INK}">'
                     f'{escape(line.label)}</text>')  # fmt: skip
        x += 40 + int(len(line.label) * FONT * 0.55)
    return parts


def _nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 × 10ⁿ apart) covering low..high, so the axis reads
    120, 130, 140 and not 118,7 and 131,3."""
    if high <= low:
        low, high = low - 1, high + 1
    raw = (high - low) / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _day(value: str) -> float:
    found = _date(value)
    return float(found.toordinal()) if found else 0.0


def _months(born: date, when: date) -> float:
    return (when - born).days / 30.4375  # the WHO tables' month: 365.25 / 12 days


def _year_ticks(low: float, high: float) -> list[tuple[float, str]]:
    first, last = date.fromordinal(int(low)).year, date.fromordinal(int(high)).year
    step = max(1, (last - first + 1) // 6)
    return [(float(date(y, 1, 1).toordinal()), str(y)) for y in range(first, last + 2, step)]


def _num(value: float) -> str:
    """Vietnamese decimal comma; whole numbers without decimals."""
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",")
