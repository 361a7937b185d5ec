"""Numbers and dates the Vietnamese way (pages and CLI)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hoso.core.vi_format import vi_date, vi_datetime, vi_number, vi_percent

pytestmark = pytest.mark.backend_independent


@pytest.mark.parametrize(("value", "places", "text"), [
    (0, 0, "0"), (999, 0, "999"), (1000, 0, "1.000"), (1234567, 0, "1.234.567"),
    (12345.678, 2, "12.345,68"), (-0.5, 1, "-0,5"), (7.25, 2, "7,25"),
])  # fmt: skip
def test_numbers_group_with_dots_and_mark_decimals_with_a_comma(
    value: float, places: int, text: str
) -> None:
    assert vi_number(value, places) == text


def test_percent_has_a_decimal_comma_and_a_space() -> None:
    assert vi_percent(0.0523) == "5,23 %"
    assert vi_percent(0) == "0,00 %"
    assert vi_percent(0.5, 1) == "50,0 %"


def test_dates_keep_their_precision() -> None:
    assert vi_date("1990-04-12") == "12/04/1990"
    assert vi_date("1990-04") == "04/1990"
    assert vi_date("1990") == "1990"
    assert vi_date(date(2026, 12, 6)) == "06/12/2026"
    assert vi_date(None) == "—"


def test_instants_are_shown_in_ho_chi_minh_city_time() -> None:
    late_utc = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)  # 03:30 the next day in HCMC
    assert vi_datetime(late_utc) == "07/12/2026 03:30"
    assert vi_date(late_utc) == "07/12/2026"
    assert vi_datetime(late_utc.timestamp()) == "07/12/2026 03:30"


def test_an_instant_is_shown_on_its_ho_chi_minh_city_day_and_time() -> None:
    assert vi_date("2026-12-06T20:30:00Z") == "07/12/2026"  # 03:30 on the 7th in HCMC
    assert vi_date("2026-12-06T08:00:00+07:00") == "06/12/2026"
    assert vi_date("2026-12-06T08:00:00") == "06/12/2026"  # no zone: as written
    assert vi_datetime("2026-12-06T20:30:00.123Z") == "07/12/2026 03:30"
    assert vi_datetime("2026-12-06") == "06/12/2026"
