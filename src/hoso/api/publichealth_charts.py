"""The dashboard's charts as geometry for server-rendered SVG (the CSP allows no
script): the epidemic curve as bars (onset and report side by side in each period) and
R_t as a line with its 95 % band. Numbers in, rectangles and paths out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["axis_ceiling", "curve_bars", "rt_lines"]

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 40, 30, 10


def axis_ceiling(value: float) -> float:
    """A round top for the axis: 1, 2, 5, 10, 20, 50 …"""
    step = 1.0
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= step * factor:
            return step * factor
    return step * 10


def _ticks(top: float) -> list[dict[str, Any]]:
    plot = HEIGHT - BOTTOM - TOP
    return [{"y": round(TOP + plot - plot * k / 4, 1), "label": _number(top * k / 4)}
            for k in range(5)]  # fmt: skip


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}".replace(".", ",")


def curve_bars(labels: Sequence[str], onset: Sequence[int | None],
               report: Sequence[int | None]) -> dict[str, Any]:  # fmt: skip
    """Bars of the two series; a hidden count (None: "<5") is drawn as a stub of 1 with
    the class `hidden`, so the gap does not read as zero."""
    top = axis_ceiling(max([n or 0 for n in (*onset, *report)] + [4]))
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(labels), 1)
    bar = max(slot / 2 - 1, 0.5)
    bars, axis = [], []
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        for j, (kind, values) in enumerate((("onset", onset), ("report", report))):
            value = values[i]
            height = plot_h * (value if value is not None else 1) / top
            bars.append({"x": round(LEFT + i * slot + j * bar, 2), "w": round(bar, 2),
                         "y": round(TOP + plot_h - height, 2), "h": round(height, 2),
                         "kind": kind if value is not None else "hidden", "label": label,
                         "value": "<5" if value is None else str(value)})  # fmt: skip
        if i % every == 0:
            axis.append({"x": round(LEFT + i * slot, 1), "label": label})
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "base": HEIGHT - BOTTOM,
            "bars": bars, "axis": axis, "ticks": _ticks(top)}  # fmt: skip


def rt_lines(windows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Mean R_t with its 2.5–97.5 % band per window end, and the line R = 1."""
    if not windows:
        return None
    upper = [w["quantiles"].get("0.975", w["mean"]) for w in windows]
    top = axis_ceiling(max([*upper, 2.0]))
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(windows) - 1, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h - plot_h * min(value, top) / top, 2)

    xs = [round(LEFT + i * step, 2) for i in range(len(windows))]
    line = " ".join(f"{x},{y(w['mean'])}" for x, w in zip(xs, windows, strict=True))
    lower = [w["quantiles"].get("0.025", w["mean"]) for w in windows]
    band = " ".join([f"{x},{y(v)}" for x, v in zip(xs, upper, strict=True)]
                    + [f"{x},{y(v)}" for x, v in reversed(list(zip(xs, lower, strict=True)))])
    every = max(1, len(windows) // 6)
    axis = [{"x": x, "label": w["end_day"]} for i, (x, w) in enumerate(zip(xs, windows,
            strict=True)) if i % every == 0]  # fmt: skip
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "base": HEIGHT - BOTTOM,
            "line": line, "band": band, "one": y(1.0), "axis": axis, "ticks": _ticks(top),
            "last": windows[-1]}  # fmt: skip
