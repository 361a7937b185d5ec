"""The city's four-week view: this week against the mean of the four before it."""

from __future__ import annotations

import numpy as np
import pytest

from hoso.publichealth.detection import CountSeries
from hoso.publichealth.detection.city_view import four_week_change

pytestmark = pytest.mark.backend_independent


def test_this_week_against_the_mean_of_the_four_before() -> None:
    mean, change = four_week_change(CountSeries.weekly([2, 4, 6, 8, 10, 0, 0, 0, 0, 3]))
    assert np.isnan(mean[:4]).all() and np.isnan(change[:4]).all()
    assert mean[4] == 5.0 and change[4] == 100.0  # 10 against (2+4+6+8)/4 = 5: +100 %
    assert mean[5] == 7.0 and change[5] == -100.0
    assert mean[9] == 0.0 and np.isnan(change[9])  # nothing to compare with: undefined


def test_a_short_series_has_no_view() -> None:
    mean, change = four_week_change(CountSeries.weekly([1, 2, 3, 4]))
    assert np.isnan(mean).all() and np.isnan(change).all()
