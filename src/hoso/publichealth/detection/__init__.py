"""Outbreak detection over weekly count series (issue 18, point 3): R's `surveillance`
1.20.3 `farringtonFlexible` (Farrington, Noufaily) and `earsC` ported numerically, and
the city's simple four-week view. docs/outbreak-detection.md says what each computes."""

from hoso.publichealth.detection.farrington import (
    NOUFAILY,
    FarringtonControl,
    FarringtonResults,
    farrington_flexible,
    farrington_flexible_many,
)
from hoso.publichealth.detection.series import CountSeries, Detection

__all__ = [
    "NOUFAILY",
    "CountSeries",
    "Detection",
    "FarringtonControl",
    "FarringtonResults",
    "farrington_flexible",
    "farrington_flexible_many",
]
