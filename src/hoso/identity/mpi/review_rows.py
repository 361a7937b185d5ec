"""Rows for the review queue (`mpi_candidate`), the same shape from both paths."""

from __future__ import annotations

from typing import Any

from hoso.core import jsonx

__all__ = ["candidate_row"]


def candidate_row(first: str, second: str, *, weight: float, probability: float,
                  grade: str, origin: str, levels: dict[str, str] | None,
                  created_us: int) -> dict[str, Any]:
    a, b = sorted((first, second))
    return {
        "patient_a": a,
        "patient_b": b,
        "weight": round(float(weight), 6),
        "probability": float(probability),
        "grade": grade,
        "origin": origin,
        "details": jsonx.dumps_str({"levels": levels or {}}),
        "created": created_us,
    }
