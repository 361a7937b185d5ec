from __future__ import annotations

import csv
import math
from collections import defaultdict

import pytest

from hoso.publichealth.rt import RtInputError, discr_si
from hoso.publichealth.rt.serial_interval import check_si_distr, si_moments
from tests.publichealth.rt.epiestim_reference import REFERENCE

pytestmark = pytest.mark.backend_independent


def _epiestim_discr_si() -> dict[tuple[float, float], list[tuple[int, float]]]:
    values: dict[tuple[float, float], list[tuple[int, float]]] = defaultdict(list)
    with (REFERENCE / "discr_si.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            values[(float(row["mu"]), float(row["sigma"]))].append((int(row["k"]), float(row["p"])))
    return values


@pytest.mark.parametrize(("params", "values"), sorted(_epiestim_discr_si().items()))
def test_discr_si_matches_epiestim(
    params: tuple[float, float], values: list[tuple[int, float]]
) -> None:
    mu, sigma = params
    ours = discr_si([k for k, _ in values], mu, sigma)
    for (k, theirs), mine in zip(values, ours, strict=True):
        assert math.isclose(mine, theirs, rel_tol=1e-6, abs_tol=1e-15), (k, mine, theirs)


def test_discr_si_starts_at_zero_and_keeps_the_mean() -> None:
    p = discr_si(range(200), 2.6, 1.5)
    assert p[0] == 0
    assert math.isclose(sum(p), 1, rel_tol=1e-9)
    assert math.isclose(si_moments(p)[0], 2.6, rel_tol=1e-9)


def test_discr_si_accepts_a_single_day() -> None:
    assert discr_si(2, 2.6, 1.5) == discr_si([0, 1, 2], 2.6, 1.5)[2:]


@pytest.mark.parametrize(
    ("k", "mu", "sigma", "english"),
    [([0, 1], 2.6, -1, "sigma must be >=0"), ([0, 1], 1, 1, "mu must be >1"),
     ([-1, 0], 2.6, 1.5, "all values in k must be >=0")],
)  # fmt: skip
def test_discr_si_refuses_what_epiestim_refuses(
    k: list[int], mu: float, sigma: float, english: str
) -> None:
    with pytest.raises(RtInputError, match=english):
        discr_si(k, mu, sigma)


def test_discr_si_with_sigma_zero_is_nan_as_in_epiestim() -> None:
    assert all(math.isnan(p) for p in discr_si([0, 1, 2], 2.6, 0))


def test_check_si_distr_tolerates_a_sum_within_a_hundredth() -> None:
    assert check_si_distr([0, 0.5, 0.495]) is None
    assert check_si_distr([0, 0.5, 0.4], "warning") == "si_distr does not sum to 1."
    with pytest.raises(RtInputError, match="si_distr must sum to 1"):
        check_si_distr([0, 0.5, 0.4])
    with pytest.raises(RtInputError, match=r"si_distr\[1\] = 0"):
        check_si_distr([0.1, 0.9])
    with pytest.raises(RtInputError, match="positive vector"):
        check_si_distr([0, 1.2, -0.2])
