"""Physiologically possible ranges of the vital signs, by LOINC code and UCUM unit.

These are the limits of the possible, not of the normal: a value outside them is a
typing or unit error (175 kg typed for 75, a height in metres sent as cm), never a
patient to call. They are wide enough for newborns (45 cm, 0.5 kg; preterm below that)
and for the extremes seen in emergency care (temperature 25–45 °C, systolic 40–300).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LIMITS", "Limit", "in_unit"]


@dataclass(frozen=True, slots=True)
class Limit:
    vi: str
    en: str
    low: float
    high: float
    unit: str  # UCUM code the limits are in
    display: str  # how people write the unit


LIMITS: dict[str, Limit] = {
    "8302-2": Limit("Chiều cao", "Body height", 20, 250, "cm", "cm"),
    "29463-7": Limit("Cân nặng", "Body weight", 0.3, 350, "kg", "kg"),
    "3141-9": Limit("Cân nặng", "Body weight", 0.3, 350, "kg", "kg"),
    "39156-5": Limit("Chỉ số khối cơ thể (BMI)", "Body mass index", 8, 80, "kg/m2", "kg/m²"),
    "8480-6": Limit("Huyết áp tâm thu", "Systolic blood pressure", 40, 300, "mm[Hg]", "mmHg"),
    "8462-4": Limit("Huyết áp tâm trương", "Diastolic blood pressure", 20, 200, "mm[Hg]",
                    "mmHg"),
    "8867-4": Limit("Nhịp tim", "Heart rate", 20, 300, "/min", "lần/phút"),
    "9279-1": Limit("Nhịp thở", "Respiratory rate", 4, 80, "/min", "lần/phút"),
    "8310-5": Limit("Nhiệt độ", "Body temperature", 25, 45, "Cel", "°C"),
    "59408-5": Limit("SpO2", "Oxygen saturation", 50, 100, "%", "%"),
    "2708-6": Limit("SpO2", "Oxygen saturation", 50, 100, "%", "%"),
}  # fmt: skip

# Other UCUM units a sender may use → the limit's unit.
_CONVERT: dict[tuple[str, str], Callable[[float], float]] = {
    ("m", "cm"): lambda v: v * 100,
    ("mm", "cm"): lambda v: v / 10,
    ("[in_i]", "cm"): lambda v: v * 2.54,
    ("g", "kg"): lambda v: v / 1000,
    ("[lb_av]", "kg"): lambda v: v * 0.45359237,
    ("[degF]", "Cel"): lambda v: (v - 32) * 5 / 9,
    ("{beats}/min", "/min"): lambda v: v,
    ("{breaths}/min", "/min"): lambda v: v,
    ("kg/m²", "kg/m2"): lambda v: v,
    ("mmHg", "mm[Hg]"): lambda v: v,
}


def in_unit(value: float, unit: str | None, limit: Limit) -> float | None:
    """`value` in the limit's unit; None when the unit is unknown (then the value
    cannot be judged, and a unit rule would be the place to say so)."""
    if unit is None or unit == limit.unit:
        return value
    convert = _CONVERT.get((unit, limit.unit))
    return convert(value) if convert is not None else None
