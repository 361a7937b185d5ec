"""The resident's measurements over time, for the book's charts: blood pressure,
glucose and HbA1c, weight, height and BMI, taken from the Observations the reader may
see (LOINC codes, UCUM units), oldest first.

A blood pressure comes either as the vital-signs panel (85354-9, systolic and
diastolic as components) or as two separate Observations at the same moment (what some
HIS send); both end up as one point. Values in another unit than the series' are left
out rather than converted by guess (glucose in mmol/L is converted: the factor is
exact for glucose, 18.016 mg/dL per mmol/L).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

__all__ = ["SERIES", "measurement_name", "measurement_series"]

LOINC = "http://loinc.org"
SYSTOLIC, DIASTOLIC, BP_PANEL = "8480-6", "8462-4", "85354-9"
# series key: (LOINC codes, unit shown, Vietnamese, English)
SERIES: dict[str, tuple[frozenset[str], str, str, str]] = {
    "blood_pressure": (frozenset({BP_PANEL, SYSTOLIC, DIASTOLIC}), "mmHg", "Huyết áp",
                       "Blood pressure"),
    "glucose": (frozenset({"2345-7", "2339-0", "1558-6", "15074-8"}), "mg/dL",
                "Đường huyết", "Blood glucose"),
    "hba1c": (frozenset({"4548-4", "17856-6"}), "%", "HbA1c", "HbA1c"),
    "weight": (frozenset({"29463-7", "3141-9"}), "kg", "Cân nặng", "Weight"),
    "height": (frozenset({"8302-2", "8306-3"}), "cm", "Chiều cao", "Height"),
    "bmi": (frozenset({"39156-5"}), "kg/m²", "Chỉ số khối cơ thể (BMI)", "Body mass index"),
}  # fmt: skip
_UNITS = {"mm[Hg]": "mmHg", "mmHg": "mmHg", "mg/dL": "mg/dL", "%": "%", "kg": "kg",
          "cm": "cm", "kg/m2": "kg/m²", "kg/m²": "kg/m²"}  # fmt: skip
_PARTS = {SYSTOLIC: ("Huyết áp tâm thu", "Systolic blood pressure"),
          DIASTOLIC: ("Huyết áp tâm trương", "Diastolic blood pressure"),
          BP_PANEL: ("Huyết áp", "Blood pressure")}  # fmt: skip
MMOL_TO_MG_GLUCOSE = 18.016  # glucose molar mass 180.16 g/mol


def measurement_name(code: str, lang: str) -> str | None:
    """A measurement's name when the sender gave only its LOINC code."""
    if code in _PARTS:
        return _PARTS[code][0 if lang == "vi" else 1]
    for codes, _, vi, en in SERIES.values():
        if code in codes:
            return vi if lang == "vi" else en
    return None


def measurement_series(observations: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """{series key: [{"date", "value"} or, for blood pressure, {"date", "systolic",
    "diastolic"}], oldest first}; a series with no point is absent."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    pressures: dict[str, dict[str, float]] = defaultdict(dict)
    for obs in observations:
        if obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        when = _when(obs)
        codes = _codes(obs.get("code"))
        if not when or not codes:
            continue
        if codes & SERIES["blood_pressure"][0]:
            pressures[when].update(_pressure(obs, codes))
            continue
        for key, (wanted, unit, _, _) in SERIES.items():
            if codes & wanted:
                value = _value(obs.get("valueQuantity"), key, unit)
                if value is not None:
                    out[key].append({"date": when, "value": value})
    for when, parts in pressures.items():
        if "systolic" in parts and "diastolic" in parts:
            out["blood_pressure"].append({"date": when, **parts})
    return {key: sorted(points, key=lambda p: p["date"]) for key, points in out.items()}


def _when(obs: dict[str, Any]) -> str | None:
    when = obs.get("effectiveDateTime") or (obs.get("effectivePeriod") or {}).get("start")
    return str(when) if isinstance(when, str) else None


def _codes(concept: Any) -> set[str]:
    if not isinstance(concept, dict):
        return set()
    return {str(c.get("code")) for c in concept.get("coding") or []
            if isinstance(c, dict) and c.get("system") == LOINC}  # fmt: skip


def _pressure(obs: dict[str, Any], codes: set[str]) -> dict[str, float]:
    found: dict[str, float] = {}
    parts = [(codes, obs.get("valueQuantity"))] + [
        (_codes(c.get("code")), c.get("valueQuantity"))
        for c in obs.get("component") or [] if isinstance(c, dict)]  # fmt: skip
    for part_codes, quantity in parts:
        value = _value(quantity, "blood_pressure", "mmHg")
        if value is None:
            continue
        if SYSTOLIC in part_codes:
            found["systolic"] = value
        elif DIASTOLIC in part_codes:
            found["diastolic"] = value
    return found


def _value(quantity: Any, key: str, unit: str) -> float | None:
    raw = quantity.get("value") if isinstance(quantity, dict) else None
    # FHIR decimals arrive as Decimal (their precision kept), or int/float.
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        return None
    value = float(raw)
    sent = str(quantity.get("code") or quantity.get("unit") or "")
    if key == "glucose" and sent in ("mmol/L", "mmol/l"):
        return round(value * MMOL_TO_MG_GLUCOSE, 1)
    return value if _UNITS.get(sent) == unit else None
