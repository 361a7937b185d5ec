"""The daily job's detectors made from definitions' controls: the batched fit of a
disease's wards gives what judging each ward alone gives (which the detection tests
compare with R); weeks without R's history are not judged; bad controls are refused."""

from __future__ import annotations

import random

import pytest

from hoso.core.errors import InvalidRequest
from hoso.publichealth.detectors import Judgement, check_controls, detector_for

pytestmark = pytest.mark.backend_independent


def _series(seed: int, weeks: int = 270) -> list[int]:
    rng = random.Random(seed)
    base = [rng.randint(0, 6) for _ in range(weeks)]
    base[-1] += rng.choice([0, 0, 9])  # some wards have an outbreak this week
    return base


@pytest.mark.parametrize("method", ["farrington", "noufaily"])
def test_the_batched_fit_equals_one_fit_per_ward(method: str) -> None:
    detect = detector_for(method, {})
    rows = [_series(seed) for seed in range(12)]
    batched = detect.latest_many(rows, [None] * len(rows))  # type: ignore[attr-defined]
    alone = [detect(row, judge=1)[-1] for row in rows]
    assert [j.alarm for j in batched] == [j.alarm for j in alone]
    for a, b in zip(batched, alone, strict=True):
        assert a.upperbound == pytest.approx(b.upperbound, rel=1e-9, abs=1e-12)
        assert a.expected == pytest.approx(b.expected, rel=1e-9, abs=1e-12)
    assert any(j.alarm for j in batched) and not all(j.alarm for j in batched)


def test_weeks_without_rs_history_are_not_judged() -> None:
    detect = detector_for("farrington", {"b": 5, "w": 3})
    assert detect([1] * 100, judge=2) == [Judgement(None, None, None)] * 2
    ears = detector_for("ears-c1", {"baseline": 7})
    assert ears([1, 2], judge=1) == [Judgement(None, None, None)]
    judged = ears([1, 1, 2, 1, 1, 2, 1, 1, 12], judge=1)
    assert judged[0].alarm is True and judged[0].expected is None


def test_bad_controls_are_refused() -> None:
    for method, controls in (("farrington", {"bogus": 1}), ("farrington", {"b": 0}),
                             ("ears-c2", {"window": 3}), ("nope", {})):  # fmt: skip
        with pytest.raises(ValueError):
            check_controls(method, controls)
    with pytest.raises(InvalidRequest):
        detector_for("farrington", {"alpha": 2})
