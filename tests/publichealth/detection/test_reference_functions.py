"""farrington_flexible and ears_c against R's own outputs (surveillance 1.20.3) for
every reference case: bounds and expected values to 1e-6, alarms exactly."""

from __future__ import annotations

import numpy as np
import pytest

from hoso.publichealth.detection import farrington_flexible
from hoso.publichealth.detection.ears import ears_c
from tests.publichealth.detection.reference_cases import ReferenceCase, assert_matches_r, cases

pytestmark = pytest.mark.backend_independent
CASES = cases()


def test_the_reference_covers_the_controls() -> None:
    """Each control R offers is exercised by at least one case, both series kinds too."""
    used = {key for case in CASES for key in case.controls}
    assert used >= {"b", "w", "reweight", "weightsThreshold", "alpha", "trend", "pThresholdTrend",
                    "limit54", "powertrans", "populationOffset", "noPeriods",
                    "pastWeeksNotIncluded", "thresholdMethod", "range", "method", "baseline",
                    "minSigma"}  # fmt: skip
    methods = {case.controls.get("thresholdMethod") for case in CASES}
    assert methods >= {None, "nbPlugin", "muan"}
    assert {case.series().series.dated for case in CASES} == {True, False}
    assert len(CASES) >= 35


@pytest.mark.parametrize("case", [c for c in CASES if c.method == "farrington"], ids=str)
def test_farrington_flexible_equals_r(case: ReferenceCase) -> None:
    source, r = case.series(), case.result()
    result = farrington_flexible(source.series, case.farrington_control(), case.range)
    assert [source.labels[k - 1] for k in result.positions] == r.labels
    np.testing.assert_array_equal(result.count, r.count)
    assert_matches_r(result.upperbound, result.expected, list(result.alarm), r)


@pytest.mark.parametrize("case", [c for c in CASES if c.method == "ears"], ids=str)
def test_ears_c_equals_r(case: ReferenceCase) -> None:
    source, r = case.series(), case.result()
    result = ears_c(source.series, **case.ears_keywords())
    assert [source.labels[k - 1] for k in result.positions] == r.labels
    assert_matches_r(result.upperbound, result.expected, list(result.alarm), r)
