"""The city's simple view (issue 18): this week's count against the mean of the four
weeks before it, as a percentage change. Not an R method; no alarm, no model: it is
what the weekly bulletin prints beside the detection methods' alarms.

    change_t = 100 × (x_t − m_t) / m_t,   m_t = (x_{t−1} + x_{t−2} + x_{t−3} + x_{t−4}) / 4

It is undefined (NaN) for the first four weeks and where m_t is 0.
"""

from __future__ import annotations

import numpy as np

from hoso.publichealth.detection.series import CountSeries

WEEKS = 4


def four_week_change(series: CountSeries) -> tuple[np.ndarray, np.ndarray]:
    """Per week: the mean of the previous four weeks and the percentage change of this
    week against it (both NaN where undefined)."""
    counts = series.counts
    mean = np.full(counts.size, np.nan)
    if counts.size > WEEKS:
        window = np.lib.stride_tricks.sliding_window_view(counts, WEEKS)[:-1]
        mean[WEEKS:] = window.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(mean > 0, 100.0 * (counts - mean) / mean, np.nan)
    return mean, change
