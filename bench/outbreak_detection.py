"""farringtonFlexible (R's defaults) over a city's daily surveillance load, timed.

    PYTHONPATH=src:. python -m bench.outbreak_detection [--series 6720] [--weeks 52]

168 wards × 40 diseases = 6,720 weekly series, each 5 years long plus the b = 5 years
and w = 3 weeks of history Farrington needs before its first evaluated week (523 weeks,
dated, all on one calendar). Counts are negative-binomial draws around a seasonal mean
(0.05 to 40 a week, a different one per series) with outbreaks added here and there.

Two scopes, each timed end to end (layouts, batched fits, bounds): the final `--weeks`
weeks of every series (52: ≈349k fits, what a yearly back-test or a first run costs)
and the latest week only (what the daily job computes). The Noufaily preset's latest
week is timed too. A few series are checked against the one-series path. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np

from hoso.publichealth.detection import (
    NOUFAILY,
    CountSeries,
    FarringtonControl,
    farrington_flexible,
    farrington_flexible_many,
)

HISTORY = 52 * 5 + 3  # b years and w weeks before the first evaluated week


def city_series(series: int, weeks: int, seed: int) -> np.ndarray:
    """Counts (series × weeks): seasonal negative-binomial counts with outbreaks."""
    rng = np.random.default_rng(seed)
    level = np.exp(rng.uniform(np.log(0.05), np.log(40), size=(series, 1)))
    phase = rng.uniform(0, 2 * np.pi, size=(series, 1))
    t = np.arange(weeks)[None, :]
    mean = level * np.exp(0.6 * np.sin(2 * np.pi * t / 52.18 + phase) + 0.0005 * t)
    size = 2.0
    counts = rng.negative_binomial(size, size / (size + mean))
    outbreaks = rng.random((series, weeks)) < 0.01
    counts = counts + outbreaks * rng.poisson(3 * mean + 3)
    return counts.astype(float)


def timed(counts: np.ndarray, calendar: CountSeries, control: FarringtonControl,
          positions: list[int]) -> tuple[float, np.ndarray]:  # fmt: skip
    started = time.perf_counter()
    result = farrington_flexible_many(counts, calendar, control, positions)
    return time.perf_counter() - started, result.upperbound


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=168 * 40)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=79)
    args = parser.parse_args()
    n = HISTORY + 52 * 5
    first = date(2020, 1, 6)
    calendar = CountSeries.weekly(np.zeros(n), [first + timedelta(weeks=i) for i in range(n)])
    counts = city_series(args.series, n, args.seed)
    year = list(range(n - args.weeks + 1, n + 1))
    defaults = FarringtonControl()
    full_seconds, bounds = timed(counts, calendar, defaults, year)
    daily_seconds, _ = timed(counts, calendar, defaults, [n])
    noufaily_seconds, _ = timed(counts, calendar, NOUFAILY, [n])
    for i in (0, args.series // 2, args.series - 1):  # the batch equals the one-series path
        one = farrington_flexible(CountSeries(counts[i], calendar.dates), defaults, year)
        np.testing.assert_allclose(bounds[i], one.upperbound, rtol=1e-12, equal_nan=True)
    print(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "numpy": np.__version__},
        "series": args.series, "series_weeks": n,
        "full": {"weeks": args.weeks, "fits": args.series * args.weeks,
                 "seconds": round(full_seconds, 2),
                 "fits_per_second": round(args.series * args.weeks / full_seconds)},
        "daily_latest_week": {"fits": args.series, "seconds": round(daily_seconds, 2)},
        "daily_latest_week_noufaily": {"fits": args.series, "seconds": round(noufaily_seconds, 2)},
        "alarm_rate_checked": "bounds of 3 series equal the one-series path (rtol 1e-12)",
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
