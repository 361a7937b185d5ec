"""`date_range`: FHIR date precision → inclusive microsecond ranges (UTC).

Values without a timezone are read in Asia/Ho_Chi_Minh (UTC+07:00), the server's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hoso.fhir.dates import date_range
from hoso.fhir.index_values import DATE_MAX, DATE_MIN

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = 3600 * 1_000_000


def local(us: int) -> int:
    """The same wall-clock reading taken in Ho Chi Minh City (7 hours earlier in UTC)."""
    return us - 7 * HOUR


def micros(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> int:
    """Microseconds since the epoch for a UTC wall-clock time (exact integer arithmetic)."""
    delta = datetime(year, month, day, hour, minute, second, us, tzinfo=UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def test_year_covers_the_whole_year() -> None:
    assert date_range("2020") == (local(micros(2020, 1, 1)), local(micros(2021, 1, 1)) - 1)


def test_month_covers_the_whole_month_including_leap_day() -> None:
    assert date_range("2024-02") == (local(micros(2024, 2, 1)), local(micros(2024, 3, 1)) - 1)
    assert date_range("2023-02")[1] == local(micros(2023, 3, 1)) - 1


def test_day_covers_the_whole_local_day() -> None:
    assert date_range("1990-05-01") == (local(micros(1990, 5, 1)), local(micros(1990, 5, 2)) - 1)
    # A reading at 05:00 in Ho Chi Minh City falls on that local day.
    low, high = date_range("2024-05-01")
    assert low <= date_range("2024-05-01T05:00:00+07:00")[0] <= high


def test_seconds_with_vietnam_offset_shift_to_utc() -> None:
    low, high = date_range("2025-03-01T08:00:00+07:00")
    assert low == micros(2025, 3, 1, 1, 0, 0)
    assert high == low + 999_999


def test_zulu_and_zero_offset_agree() -> None:
    assert date_range("2025-03-01T08:00:00Z") == date_range("2025-03-01T08:00:00+00:00")


def test_negative_offset() -> None:
    assert date_range("2025-03-01T20:30:00-05:00")[0] == micros(2025, 3, 2, 1, 30)


def test_fractional_seconds_set_the_precision() -> None:
    low, high = date_range("2025-03-01T08:00:00.25Z")
    assert low == micros(2025, 3, 1, 8, 0, 0, 250_000)
    assert high == micros(2025, 3, 1, 8, 0, 0, 259_999)
    low, high = date_range("2025-03-01T08:00:00.123456789Z")
    assert low == high == micros(2025, 3, 1, 8, 0, 0, 123_456)


def test_minute_precision_for_search_values() -> None:
    assert date_range("2025-03-01T08:15") == (
        local(micros(2025, 3, 1, 8, 15)),
        local(micros(2025, 3, 1, 8, 16)) - 1,
    )


def test_time_without_timezone_is_local() -> None:
    assert date_range("2025-03-01T08:00:00") == date_range("2025-03-01T08:00:00+07:00")


def test_leap_second_rolls_into_the_next_minute() -> None:
    assert date_range("2016-12-31T23:59:60Z")[0] == micros(2017, 1, 1)


def test_extremes_are_clamped_to_the_representable_range() -> None:
    assert date_range("0001")[0] == DATE_MIN
    assert date_range("9999")[1] == DATE_MAX - 7 * HOUR
    assert date_range("0001-01-01T00:00:00+07:00")[0] == DATE_MIN
    assert date_range("9999-12-31T23:59:59-07:00")[1] == DATE_MAX


@pytest.mark.parametrize(
    "text",
    [
        "",
        "20",
        "2020-1",
        "2020-13",
        "2020-00",
        "2021-02-29",
        "2020-04-31",
        "0000",
        "2020-01-01T10",
        "2020-01-01 10:00:00",
        "2020-01-01T24:00:00Z",
        "2020-01-01T10:60:00Z",
        "2020-01-01T10:00:00+15:00",
        "2020-01-01T10:00:00+0700",
        "12/03/2020",
        "ngày 1",
    ],
)
def test_invalid_values_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        date_range(text)
