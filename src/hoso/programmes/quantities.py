"""Numbers as the registers read them. Records come back from the store through
`hoso.core.jsonx`, which keeps decimals exact (7.5 is a `Decimal`), while records built
in memory (tests, the synthetic city) hold floats: both are numbers here, a boolean
or a non-finite value is not."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

__all__ = ["as_number"]


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
