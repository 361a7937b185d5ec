"""The batched path (many series on one calendar, split into batches) gives each series
what the one-series path gives, which the reference tests hold to R."""

from __future__ import annotations

import numpy as np
import pytest

from hoso.publichealth.detection import (
    NOUFAILY,
    FarringtonControl,
    farrington_flexible,
    farrington_flexible_many,
)
from hoso.publichealth.detection import farrington as farrington_module
from hoso.publichealth.detection.series_csv import read_series
from tests.publichealth.detection.reference_cases import REFERENCE

pytestmark = pytest.mark.backend_independent


@pytest.mark.parametrize("control", [FarringtonControl(), NOUFAILY], ids=["defaults", "noufaily"])
def test_small_batches_equal_the_one_series_path(
    control: FarringtonControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    newport = read_series(REFERENCE / "series" / "newport.csv").series
    counts = np.stack([newport.counts, newport.counts[::-1], np.round(newport.counts * 1.7)])
    weeks = list(range(480, 529))
    ones = [farrington_flexible(type(newport)(c, newport.dates), control, weeks) for c in counts]
    monkeypatch.setattr(farrington_module, "BATCH_CELLS", 300)  # one series, one week a batch
    many = farrington_flexible_many(counts, newport, control, weeks)
    for row, one in enumerate(ones):
        np.testing.assert_allclose(many.upperbound[row], one.upperbound, rtol=1e-12,
                                   equal_nan=True)  # fmt: skip
        np.testing.assert_allclose(many.expected[row], one.expected, rtol=1e-12, equal_nan=True)
        assert [None if np.isnan(a) else bool(a) for a in many.alarm[row]] == list(one.alarm)
