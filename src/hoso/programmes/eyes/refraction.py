"""Refraction per eye — sphere, cylinder, axis — checked, with its spherical equivalent
SE = S + C/2 and the myopia class of the screening criteria (IMI 2019)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoso.core.errors import InvalidRequest

__all__ = ["Refraction", "RefractionError", "myopia_class", "parse_refraction"]

SPHERE_RANGE, CYLINDER_RANGE = (-30.0, 30.0), (-10.0, 10.0)  # dioptres a trial set covers
STEP = 0.25


class RefractionError(InvalidRequest):
    """A refraction that cannot be recorded; the message names the field."""


@dataclass(frozen=True, slots=True)
class Refraction:
    sphere: float
    cylinder: float
    axis: int | None

    @property
    def spherical_equivalent(self) -> float:
        return self.sphere + self.cylinder / 2


def _dioptres(raw: Any, field: str, span: tuple[float, float]) -> float:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise RefractionError(f"{field}: bắt buộc, số đi-ốp / required, dioptres")
    try:
        value = float(str(raw).replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise RefractionError(f"{field}: không phải số / not a number {str(raw)[:12]!r}"
                              ) from None  # fmt: skip
    if value != value or not span[0] <= value <= span[1]:
        raise RefractionError(
            f"{field}: ngoài khoảng / out of range {span[0]:+.2f}…{span[1]:+.2f} D"
        )
    if abs(value / STEP - round(value / STEP)) > 1e-9:
        raise RefractionError(f"{field}: bước 0,25 D / in 0.25 D steps ({value})")
    return round(value / STEP) * STEP + 0.0


def parse_refraction(raw: Any, eye: str) -> Refraction:
    """`{"sphere", "cylinder", "axis"}` for one eye ("right"/"left")."""
    if not isinstance(raw, dict):
        raise RefractionError(f"refraction.{eye}: {{sphere, cylinder, axis}}")
    sphere = _dioptres(raw.get("sphere"), f"refraction.{eye}.sphere", SPHERE_RANGE)
    cyl_raw = raw.get("cylinder")
    cylinder = 0.0 if cyl_raw in (None, "") else _dioptres(
        cyl_raw, f"refraction.{eye}.cylinder", CYLINDER_RANGE)  # fmt: skip
    axis_raw = raw.get("axis")
    axis: int | None = None
    if axis_raw not in (None, ""):
        if (
            isinstance(axis_raw, bool)
            or not str(axis_raw).isdigit()
            or not 1 <= int(axis_raw) <= 180
        ):
            raise RefractionError(f"refraction.{eye}.axis: số nguyên 1–180 / an integer 1–180")
        axis = int(axis_raw)
    if cylinder != 0 and axis is None:
        raise RefractionError(
            f"refraction.{eye}.axis: bắt buộc khi có trụ / required with a cylinder"
        )
    if cylinder == 0:
        axis = None
    return Refraction(sphere, cylinder, axis)


def myopia_class(se: float | None, myopia_at_most: float, high_at_most: float) -> str | None:
    """ "high" (SE ≤ high cut-off), "myopia" (SE ≤ myopia cut-off), "none"; None unknown."""
    if se is None:
        return None
    if se <= high_at_most:
        return "high"
    return "myopia" if se <= myopia_at_most else "none"
