"""The warehouse pages' charts as geometry for server-drawn SVG (the pages' CSP allows no
script), and the tile map's colour classes: numbers in, rectangles and classes out.

Bars are horizontal, one row per option or month, so a long label (an ICD-10 chapter)
reads on a phone; the tile map's classes `r0`…`r5` are the surveillance map's (the same
stylesheet): 0, then the five fifths of the wards that have a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hoso.api.publichealth_charts import axis_ceiling  # one axis rule for every chart
from hoso.api.warehouse_health import ChartRow
from hoso.core.vi_format import vi_number

__all__ = ["bars", "tile_classes"]

# Narrow on purpose: the SVG scales to the column, and a phone's column is ~360 px.
WIDTH, LABEL, ROW, TOP, BOTTOM, CUT = 520, 200, 26, 8, 24, 22



def shown_number(value: float | None) -> str:
    if value is None:
        return "—"
    return vi_number(value) if value == int(value) else vi_number(value, 1)


def bars(rows: Sequence[ChartRow]) -> dict[str, Any]:
    """One bar per row; a row without a value (no denominator) is drawn as nothing, its
    label still there with "—"."""
    top = axis_ceiling(max([r.value or 0 for r in rows] + [1]))
    plot = WIDTH - LABEL - 60
    height = TOP + ROW * max(len(rows), 1) + BOTTOM
    found = []
    for i, r in enumerate(rows):
        y = TOP + i * ROW
        w = 0.0 if r.value is None else plot * max(r.value, 0) / top
        found.append({"x": LABEL, "y": y + 3, "w": round(w, 2), "h": ROW - 6,
                      "label": r.label[:CUT] + ("…" if len(r.label) > CUT else ""),
                      "full": r.label, "text_y": y + ROW / 2 + 5,
                      "value": shown_number(r.value), "value_x": round(LABEL + w + 4, 2)})
    ticks = [{"x": round(LABEL + plot * k / 4, 1), "label": shown_number(top * k / 4)}
             for k in range(5)]  # fmt: skip
    return {"width": WIDTH, "height": height, "left": LABEL, "base": height - BOTTOM,
            "top": TOP, "bars": found, "ticks": ticks}  # fmt: skip


def tile_classes(values: Sequence[float | None]) -> tuple[list[str], list[dict[str, str]]]:
    """Each value's class (`rn` none, `r0` zero, then by fifths of the positive values)
    and the legend of the classes used. Fifths that coincide (few distinct values) are
    merged, and the bins left are spread over `r1`…`r5` so the highest is the darkest."""
    positive = sorted(v for v in values if v is not None and v > 0)
    cuts = sorted({positive[(len(positive) * k) // 5] for k in range(1, 5)}) if positive \
        else []  # fmt: skip
    cuts = [c for c in cuts if c > positive[0]] if positive else []
    bins = len(cuts) + 1
    shade = [3] if bins == 1 else [1 + round(i * 4 / (bins - 1)) for i in range(bins)]

    def one(v: float | None) -> str:
        if v is None:
            return "rn"
        if v <= 0:
            return "r0"
        return f"r{shade[sum(1 for c in cuts if v >= c)]}"

    legend = [{"cls": "r0", "label": "0"}]
    for i in range(bins):
        low = ">0" if i == 0 else f"≥ {shown_number(cuts[i - 1])}"
        high = f" – <{shown_number(cuts[i])}" if i < len(cuts) else ""
        legend.append({"cls": f"r{shade[i]}", "label": low + high})
    return [one(v) for v in values], legend
