"""`hoso surveillance detect`: outbreak detection over one weekly series in a CSV file,
numerically R's `surveillance` 1.20.3 (farringtonFlexible, earsC; the Noufaily preset),
so that epidemiologists can check a week's alarm against R (docs/outbreak-detection.md).

    hoso surveillance detect --method farrington --input series.csv --output out.csv

Options left out take R's defaults; for `noufaily` they take the preset's (noPeriods 10,
pastWeeksNotIncluded 26, pThresholdTrend 1, thresholdMethod nbPlugin) unless given.
Malformed input or options: a message in Vietnamese then English, exit status 2.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.cli.options import fail

METHODS = ("farrington", "noufaily", "ears-c1", "ears-c2", "ears-c3")
Opt = typer.Option


def _range(text: str | None, n: int) -> list[int] | None:
    """FROM:TO (1-based, inclusive) → positions."""
    if text is None:
        return None
    try:
        first, last = (int(part) for part in text.split(":"))
    except ValueError:
        fail(f"--range '{text}' phải có dạng FROM:TO / must read FROM:TO (1-based weeks)")
    if not 1 <= first <= last <= n:
        fail(f"--range {text} nằm ngoài chuỗi 1:{n} / lies outside the series' weeks 1:{n}")
    return list(range(first, last + 1))


def _limit54(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        cases, weeks = (int(part) for part in text.split(","))
    except ValueError:
        fail(f"--limit54 '{text}' phải có dạng CASES,WEEKS (vd 5,4) / must read CASES,WEEKS")
    return cases, weeks


def _choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        fail(f"Giá trị {name} không hợp lệ: '{value}' (chọn {'|'.join(allowed)}) / "
             f"unknown {name} value '{value}' (choose {'|'.join(allowed)})")  # fmt: skip


def _farrington_control(method: str, given: dict[str, Any]) -> Any:
    from hoso.publichealth.detection import NOUFAILY, FarringtonControl

    base = NOUFAILY if method == "noufaily" else FarringtonControl()
    return replace(base, **{key: value for key, value in given.items() if value is not None})


def detect(
    method: Annotated[str, Opt(help="farrington | noufaily | ears-c1 | ears-c2 | ears-c3")],
    input: Annotated[Path, Opt("--input", help="CSV: date,count hoặc/or t,count[,population]")],
    output: Annotated[Path, Opt("--output", help="CSV kết quả / result CSV ('-': stdout)")],
    range_: Annotated[str | None, Opt("--range", help="FROM:TO, 1-based")] = None,
    b: Annotated[int | None, Opt(help="Số năm nền / years back (5)")] = None,
    w: Annotated[int | None, Opt(help="Nửa cửa sổ / half window, weeks (3)")] = None,
    alpha: Annotated[float | None, Opt(help="0.05; EARS: 0.001 (C1, C2), 0.025 (C3)")] = None,
    weights_threshold: Annotated[float | None, Opt(help="2.58")] = None,
    past_weeks_not_included: Annotated[int | None, Opt(help="w; noufaily 26")] = None,
    no_periods: Annotated[int | None, Opt(help="1; noufaily 10")] = None,
    p_threshold_trend: Annotated[float | None, Opt(help="0.05; noufaily 1")] = None,
    threshold_method: Annotated[str | None, Opt(help="delta | nbPlugin | muan")] = None,
    limit54: Annotated[str | None, Opt(help="CASES,WEEKS (5,4)")] = None,
    powertrans: Annotated[str | None, Opt(help="2/3 | 1/2 | none")] = None,
    trend: Annotated[bool | None, Opt("--trend/--no-trend", help="(--trend)")] = None,
    reweight: Annotated[bool | None, Opt("--reweight/--no-reweight", help="(--reweight)")] = None,
    population_offset: Annotated[bool | None, Opt("--population-offset/--no-population-offset",
                                                  help="(--no-population-offset)")] = None,
    baseline: Annotated[int, Opt(help="EARS: số tuần nền / baseline weeks")] = 7,
    min_sigma: Annotated[float, Opt(help="EARS: minSigma")] = 0.0,
) -> None:
    """Phát hiện ổ dịch (như R surveillance) / Outbreak detection, as R's surveillance."""
    from hoso.publichealth.detection.ears import ears_c
    from hoso.publichealth.detection.farrington import farrington_flexible
    from hoso.publichealth.detection.series_csv import SeriesFileError, detection_csv, read_series

    _choice("--method", method, METHODS)
    _choice("--threshold-method", threshold_method, ("delta", "nbPlugin", "muan"))
    _choice("--powertrans", powertrans, ("2/3", "1/2", "none"))
    try:
        source = read_series(input)
    except SeriesFileError as exc:
        fail(str(exc))
    positions = _range(range_, len(source.series))
    if population_offset and source.series.population is None:
        fail("--population-offset cần cột population / needs a population column")
    try:
        if method.startswith("ears"):
            result = ears_c(source.series, method[-2:].upper(), baseline, min_sigma, alpha,
                            positions)  # fmt: skip
        else:
            control = _farrington_control(method, {
                "b": b, "w": w, "alpha": alpha, "weights_threshold": weights_threshold,
                "past_weeks_not_included": past_weeks_not_included, "no_periods": no_periods,
                "p_threshold_trend": p_threshold_trend, "threshold_method": threshold_method,
                "limit54": _limit54(limit54), "powertrans": powertrans, "trend": trend,
                "reweight": reweight, "population_offset": population_offset,
            })  # fmt: skip
            result = farrington_flexible(source.series, control, positions)
    except ValueError as exc:
        fail(f"Không tính được với các tham số này / cannot compute with these options: {exc}")
    text = detection_csv(source, result)
    if str(output) == "-":
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
