"""`estimate_r` against EpiEstim 2.2-4's own numbers, and its edges as EpiEstim's."""

from __future__ import annotations

from datetime import date

import pytest

from hoso.publichealth.rt import R_COLUMNS, RtEstimate, RtInputError, estimate_r
from hoso.publichealth.rt.cori import TOO_EARLY
from hoso.publichealth.rt.incidence import FIRST_DAY_LOCAL
from tests.publichealth.rt.epiestim_reference import (
    Case,
    assert_same_figures,
    cases,
    incidence_series,
    r_table,
    si_distr,
)

pytestmark = pytest.mark.backend_independent


def _estimate(case: Case, windows: list[tuple[int, int]]) -> RtEstimate:
    series = incidence_series(case)
    si = (
        {"si_mean": case.si_mean, "si_sd": case.si_sd}
        if case.method == "parametric_si"
        else {"si_distr": si_distr(case)}
    )
    times = {}
    if case.windows != "default":
        times = {"t_start": [s for s, _ in windows], "t_end": [e for _, e in windows]}
    return estimate_r(
        series,
        case.method,  # type: ignore[arg-type]
        mean_prior=case.mean_prior,
        std_prior=case.std_prior,
        **si,  # type: ignore[arg-type]
        **times,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_estimate_r_matches_epiestim(case: Case) -> None:
    header, rows = r_table(case.r_file)
    assert tuple(header) == ("t_start", "t_end", *R_COLUMNS)
    estimate = _estimate(case, [(s, e) for s, e, _ in rows])
    assert [(w.t_start, w.t_end) for w in estimate.windows] == [(s, e) for s, e, _ in rows]
    for window, (_, _, figures) in zip(estimate.windows, rows, strict=True):
        assert_same_figures(list(window.figures()), figures)


def test_references_cover_na_windows_and_both_series_shapes() -> None:
    """The reference set exercises what matters: NA rows, local/imported, both methods,
    each kind of window."""
    all_cases = cases()
    na_rows = sum(
        1 for c in all_cases for _, _, figures in r_table(c.r_file)[1] if figures[0] is None
    )
    assert na_rows >= 10
    assert {c.method for c in all_cases} == {"parametric_si", "non_parametric_si"}
    assert {c.windows for c in all_cases} == {"default", "sliding", "custom"}
    assert any("local" in incidence_series(c) for c in all_cases)


SERIES = [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 2, 0, 1]


def test_first_days_cases_are_imported_when_only_i_is_given() -> None:
    alone = estimate_r(SERIES, si_mean=2.6, si_sd=1.5)
    split = estimate_r(
        {"local": [0, *SERIES[1:]], "imported": [SERIES[0]] + [0] * (len(SERIES) - 1)},
        si_mean=2.6,
        si_sd=1.5,
    )
    assert alone.windows == split.windows
    assert FIRST_DAY_LOCAL not in alone.notes


def test_local_cases_on_the_first_day_move_to_imported_with_epiestims_warning() -> None:
    moved = estimate_r(
        {"local": [4, 2, 3] + [1] * 10, "imported": [1, 0, 0] + [0] * 10}, si_mean=2.6, si_sd=1.5
    )
    given = estimate_r(
        {"local": [0, 2, 3] + [1] * 10, "imported": [5, 0, 0] + [0] * 10}, si_mean=2.6, si_sd=1.5
    )
    assert moved.windows == given.windows
    assert FIRST_DAY_LOCAL in moved.notes


def test_local_and_imported_take_precedence_over_i() -> None:
    split = {"local": [0, 2, 3] + [1] * 10, "imported": [5, 0, 0] + [2] * 10}
    both = estimate_r(split | {"I": [99] * 13}, si_mean=2.6, si_sd=1.5)
    assert both.windows == estimate_r(split, si_mean=2.6, si_sd=1.5).windows


def test_missing_counts_count_as_zero() -> None:
    with_gaps = estimate_r([5, None, 0, float("nan"), *SERIES[4:]], si_mean=2.6, si_sd=1.5)
    assert with_gaps.windows == estimate_r(SERIES, si_mean=2.6, si_sd=1.5).windows


def test_windows_ending_before_the_serial_interval_mean_are_na() -> None:
    estimate = estimate_r(SERIES, si_mean=9.5, si_sd=2, t_start=[2, 2, 2], t_end=[8, 9, 10])
    assert 9 < estimate.si_mean < 10  # NA while t_end <= the mean
    assert [w.mean is None for w in estimate.windows] == [True, True, False]
    assert all(v is None for v in estimate.windows[0].figures())


def test_quiet_windows_fall_back_to_the_prior_not_na() -> None:
    """No infectivity in a window: EpiEstim's posterior is the prior updated by the
    window's cases (here none: the prior itself), not NA."""
    estimate = estimate_r(
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], si_mean=2.6, si_sd=1.5, t_start=[4], t_end=[6]
    )
    assert estimate.windows[0].mean == pytest.approx(5)
    assert estimate.windows[0].std == pytest.approx(5)


def test_the_serial_interval_is_truncated_and_padded_as_epiestims() -> None:
    estimate = estimate_r(SERIES[:10], si_mean=6, si_sd=4)
    assert len(estimate.si_distr) == 11
    assert estimate.si_distr[-1] == 0
    assert estimate.si_mean < 6  # discr_si over days 0 … T−1 only
    assert "si_distr does not sum to 1." in estimate.notes


def test_too_early_for_the_desired_posterior_cv_is_a_note() -> None:
    assert TOO_EARLY in estimate_r(SERIES, si_mean=2.6, si_sd=1.5).notes
    assert TOO_EARLY not in estimate_r([50] * 20, si_mean=2.6, si_sd=1.5).notes
    assert TOO_EARLY in estimate_r([50] * 20, si_mean=2.6, si_sd=1.5, cv_posterior=0).notes


def test_windows_carry_their_dates() -> None:
    days = [date(2024, 3, d) for d in range(1, 19)]
    estimate = estimate_r({"dates": days, "I": SERIES}, si_mean=2.6, si_sd=1.5)
    first = estimate.windows[0]
    assert (first.t_start, first.t_end) == (2, 8)
    assert (first.date_start, first.date_end) == (date(2024, 3, 2), date(2024, 3, 8))
    assert len(estimate.windows) == len(SERIES) - 7


@pytest.mark.parametrize(
    ("arguments", "english"),
    [
        ({"incidence": [1] * 7}, "between 2 and the number of"),
        ({"t_start": [1], "t_end": [5]}, "t_start must be a vector of integers between 2"),
        ({"t_start": [2], "t_end": [19]}, "t_end must be a vector of integers between 2"),
        ({"t_start": [5], "t_end": [4]}, r"t_start\[i\] must be <= t_end\[i\]"),
        ({"t_start": [2, 3], "t_end": [5]}, "same length"),
        ({"mean_prior": 0}, "mean_prior must be >0"),
        ({"std_prior": -1}, "std_prior must be >0"),
        ({"cv_posterior": -0.1}, "cv_posterior must be >0"),
        ({"si_mean": 1}, "value >1 for mean_si"),
        ({"si_sd": 0}, ">0 value for std_si"),
        ({"si_sd": None}, "requires si_mean and si_sd"),
        ({"incidence": [1, -2] + [1] * 10}, "non negative"),
        ({"incidence": {"dates": [1, 2, 4, *list(range(5, 20))], "I": SERIES}}, "in a row"),
        ({"incidence": {"local": [1, 2]}}, "column called 'I'"),
    ],
)
def test_refuses_what_epiestim_refuses(arguments: dict[str, object], english: str) -> None:
    call: dict[str, object] = {"incidence": SERIES, "si_mean": 2.6, "si_sd": 1.5} | arguments
    with pytest.raises(RtInputError, match=english):
        estimate_r(**call)  # type: ignore[arg-type]


def test_non_parametric_needs_a_valid_serial_interval() -> None:
    with pytest.raises(RtInputError, match="si_distr argument is missing"):
        estimate_r(SERIES, "non_parametric_si")
    with pytest.raises(RtInputError, match="si_distr must sum to 1"):
        estimate_r(SERIES, "non_parametric_si", si_distr=[0, 0.5, 0.3])
    with pytest.raises(RtInputError, match=r"si_distr\[1\] = 0"):
        estimate_r(SERIES, "non_parametric_si", si_distr=[0.2, 0.5, 0.3])
