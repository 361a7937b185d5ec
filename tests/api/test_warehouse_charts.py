"""The warehouse pages' chart geometry and tile classes: fifths of the wards with a value,
fifths that coincide merged and spread so the highest is the darkest; bars as long as
their value on a round axis, a missing value drawn as none."""

from __future__ import annotations

from hoso.api.warehouse_charts import bars, tile_classes
from hoso.api.warehouse_health import ChartRow


def test_a_hundred_values_fall_in_five_fifths() -> None:
    classes, legend = tile_classes([float(v) for v in range(1, 101)])
    assert [classes.count(f"r{k}") for k in range(1, 6)] == [20, 20, 20, 20, 20]
    assert [k["label"] for k in legend] == ["0", ">0 – <21", "≥ 21 – <41", "≥ 41 – <61",
                                            "≥ 61 – <81", "≥ 81"]  # fmt: skip


def test_zero_none_and_few_values() -> None:
    classes, legend = tile_classes([None, 0.0, 20.0, 66.7])
    assert classes == ["rn", "r0", "r1", "r5"]
    assert [k["cls"] for k in legend] == ["r0", "r1", "r5"]
    one, legend = tile_classes([90.0, None])
    assert one == ["r3", "rn"] and legend[-1] == {"cls": "r3", "label": ">0"}
    assert tile_classes([None, None]) == (["rn", "rn"], [{"cls": "r0", "label": "0"},
                                                          {"cls": "r3", "label": ">0"}])


def test_bars_are_as_long_as_their_values() -> None:
    rows = [ChartRow("a", "A", "2026-11", 25, None, 25.0),
            ChartRow("b", "B" * 40, "2026-11", 50, None, 50.0),
            ChartRow("c", "C", "2026-11", 1, 0, None)]  # fmt: skip
    g = bars(rows)
    a, b, c = g["bars"]
    assert b["w"] == 2 * a["w"] and c["w"] == 0 and c["value"] == "—"
    assert g["ticks"][-1]["label"] == "50"  # the axis' round top
    assert b["full"] == "B" * 40 and len(b["label"]) == 23  # cut, the whole in its title
    assert g["height"] > 3 * 20
