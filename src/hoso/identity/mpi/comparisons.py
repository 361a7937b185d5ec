"""The comparison levels of the matching model, each written twice: as SQL for splink's
batch (DuckDB) and as Python for the online scorer.

Levels are tried in order and the first that holds decides, exactly as splink evaluates
its CASE expression. The Python tests follow SQL's NULL rules (NULL equals nothing, a
metric of NULL is NULL), since a level may look at a column its null level does not
guard (the birth date's, for a partial date). The string metrics are the same
algorithms on both sides (DuckDB's `jaro_winkler_similarity` / `damerau_levenshtein` and
rapidfuzz's, checked equal by tests/identity/mpi/test_same_model.py), so a pair gets the
same level either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from hoso.identity.mpi.features import Features

__all__ = ["COMPARISONS", "Comparison", "Level", "compare"]

Test = Callable[[Features, Features], bool]


@dataclass(frozen=True, slots=True)
class Level:
    label: str
    sql: str
    test: Test
    null: bool = False  # "no information": weight 0, as splink's null level


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str  # splink's output_column_name
    description: str
    levels: tuple[Level, ...]


def _null(*cols: str) -> Level:
    sql = " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in cols)
    return Level("null", sql, lambda a, b: any(a[c] is None or b[c] is None for c in cols), True)


def _known(a: Features, b: Features, col: str) -> bool:
    return a[col] is not None and b[col] is not None


def _exact(col: str, label: str = "exact") -> Level:
    return Level(label, f'"{col}_l" = "{col}_r"',
                 lambda a, b: _known(a, b, col) and a[col] == b[col])


def _jaro_winkler(col: str, threshold: float) -> Level:
    return Level(
        f"jaro-winkler >= {threshold}",
        f'jaro_winkler_similarity("{col}_l", "{col}_r") >= {threshold}',
        lambda a, b: _known(a, b, col) and JaroWinkler.similarity(a[col], b[col]) >= threshold,
    )


def _damerau(col: str, distance: int) -> Level:
    return Level(
        f"damerau-levenshtein <= {distance}",
        f'damerau_levenshtein("{col}_l", "{col}_r") <= {distance}',
        lambda a, b: _known(a, b, col) and DamerauLevenshtein.distance(a[col], b[col]) <= distance,
    )


def _else() -> Level:
    return Level("else", "ELSE", lambda a, b: True)


def _initial(col: str) -> Level:
    """"v" (an initial, as in "Nguyễn V. An") agrees with "van"."""
    def test(left: Features, right: Features) -> bool:
        a, b = left[col] or "", right[col] or ""
        short, long = sorted((a, b), key=len)
        return len(short) == 1 and long[:1] == short

    sql = (f'((length("{col}_l") = 1 AND "{col}_l" = left("{col}_r", 1)) OR '
           f'(length("{col}_r") = 1 AND "{col}_r" = left("{col}_l", 1)))')
    return Level("initial", sql, test)


def _swapped_date() -> Level:
    return Level(
        "day and month swapped",
        '"birth_date_l" = "birth_swapped_r"',
        lambda a, b: a["birth_date"] is not None and a["birth_date"] == b["birth_swapped"],
    )


def _partial_date(label: str, unknown_below: str, agreeing: str) -> Level:
    """A partial birth date ("1990", "1990-05", as FHIR allows) against any other: it
    agrees when the two are equal at the coarser precision. One side lacks the finer
    part (`unknown_below`), so no finer level could hold; a different year or month
    falls through to "same year" or "else", as for full dates."""
    return Level(
        label,
        f'("{unknown_below}_l" IS NULL OR "{unknown_below}_r" IS NULL) '
        f'AND "{agreeing}_l" = "{agreeing}_r"',
        lambda a, b: not _known(a, b, unknown_below) and _known(a, b, agreeing)
        and a[agreeing] == b[agreeing],
    )


def _same_year() -> Level:
    return Level("same year", '"birth_year_l" = "birth_year_r"',
                 lambda a, b: _known(a, b, "birth_year") and a["birth_year"] == b["birth_year"])


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("family", "Họ / family name", (
        _null("family"), _exact("family"), _jaro_winkler("family", 0.92), _else())),
    Comparison("middle", "Tên đệm / middle name", (
        _null("middle"), _exact("middle"), _initial("middle"),
        _jaro_winkler("middle", 0.88), _else())),
    Comparison("given", "Tên / given name", (
        _null("given"), _exact("given_marked", "exact with marks"), _exact("given"),
        _jaro_winkler("given", 0.92), _else())),
    # Null only when a side has no birth date at all: a year alone is information.
    Comparison("birth_date", "Ngày sinh / date of birth", (
        _null("birth_year"), _exact("birth_date"), _swapped_date(),
        _damerau("birth_date", 1),
        _partial_date("same month, partial date", "birth_date", "birth_month"),
        _partial_date("same year, partial date", "birth_month", "birth_year"),
        _same_year(), _else())),
    Comparison("sex", "Giới tính / sex", (_null("sex"), _exact("sex"), _else())),
    Comparison("cccd", "Số CCCD / citizen ID", (
        _null("cccd"), _exact("cccd"), _damerau("cccd", 1), _else())),
    Comparison("phone", "Điện thoại / phone", (_null("phone"), _exact("phone"), _else())),
    Comparison("ward", "Phường, xã / ward", (_null("ward"), _exact("ward"), _else())),
    Comparison("line", "Địa chỉ / street address", (
        _null("line"), _exact("line"), _jaro_winkler("line", 0.9), _else())),
)  # fmt: skip


def compare(left: Features, right: Features) -> tuple[int, ...]:
    """The level index of every comparison for one pair (splink's gamma values are the
    same numbers counted from the last level; see `model.MatchModel.gammas`)."""
    found = []
    for comparison in COMPARISONS:
        for i, level in enumerate(comparison.levels):
            if level.test(left, right):
                found.append(i)
                break
    return tuple(found)
