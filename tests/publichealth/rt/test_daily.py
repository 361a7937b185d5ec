"""`daily_rt`: the case registry's entry point is EpiEstim's parametric_si."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hoso.publichealth.rt import RtInputError, SerialInterval, daily_rt, estimate_r
from tests.publichealth.rt.epiestim_reference import assert_same_figures, cases, r_table

pytestmark = pytest.mark.backend_independent

DENGUE = SerialInterval(mean=2.6, sd=1.5)
START = date(2024, 3, 1)


def test_daily_rt_is_epiestims_estimate_on_weekly_windows() -> None:
    """Flu2009 through `daily_rt` gives EpiEstim's R table (reference flu2009_parametric)."""
    case = next(c for c in cases() if c.name == "flu2009_parametric")
    incidence = case.incidence_file.read_text().splitlines()[1:]
    daily = {date.fromisoformat(d): int(float(n)) for d, n in (r.split(",") for r in incidence)}
    windows = daily_rt(daily, SerialInterval(case.si_mean or 0, case.si_sd or 0))
    _, expected = r_table(case.r_file)
    assert [(w.t_start, w.t_end) for w in windows] == [(s, e) for s, e, _ in expected]
    for window, (_, _, figures) in zip(windows, expected, strict=True):
        assert_same_figures(list(window.figures()), figures)
    assert windows[0].date_start == min(daily) + timedelta(1)
    assert windows[-1].date_end == max(daily)


def test_missing_days_count_zero_and_pairs_add_up() -> None:
    counts = [3, 0, 2, 5, 0, 4, 6, 1, 0, 7, 3]
    full = {START + timedelta(n): c for n, c in enumerate(counts)}
    sparse = [(d, c) for d, c in full.items() if c] + [(START, 0)]
    split = [*sparse, (START + timedelta(3), 0)]
    assert daily_rt(sparse, DENGUE) == daily_rt(full, DENGUE) == daily_rt(split, DENGUE)
    expected = estimate_r(counts, si_mean=2.6, si_sd=1.5)
    assert [w.figures() for w in daily_rt(full, DENGUE)] == [w.figures() for w in expected.windows]


def test_other_windows_and_short_series() -> None:
    full = {START + timedelta(n): n % 4 for n in range(12)}
    windows = daily_rt(full, DENGUE, window_days=3)
    assert [(w.t_start, w.t_end) for w in windows][:2] == [(2, 4), (3, 5)]
    assert windows[-1].t_end == 12
    assert daily_rt({START + timedelta(n): 1 for n in range(7)}, DENGUE) == []
    assert daily_rt({}, DENGUE) == []


def test_refusals() -> None:
    with pytest.raises(RtInputError, match="window must be >= 2"):
        daily_rt({START: 1}, DENGUE, window_days=1)
    with pytest.raises(RtInputError, match="non negative"):
        daily_rt({START + timedelta(n): -1 for n in range(10)}, DENGUE)
    with pytest.raises(RtInputError, match="value >1 for mean_si"):
        daily_rt({START + timedelta(n): 1 for n in range(10)}, SerialInterval(0.5, 1))
