"""The batch (splink SQL on DuckDB) and the online scorer (Python) are one model: every
pair gets the same levels and the same match weight on both paths."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.identity.mpi.batch import feature_frame
from hoso.identity.mpi.blocking import BLOCKING_RULES, blocked
from hoso.identity.mpi.features import patient_features
from hoso.identity.mpi.model import load_model
from hoso.identity.mpi.splink_model import linker_for


def _features(population: Path) -> dict[str, dict]:
    rows = {}
    with (population / "Patient.ndjson").open(encoding="utf-8") as fh:
        for line in fh:
            f = patient_features(json.loads(line), DEFAULT_CCCD_SYSTEM)
            rows[f["patient_id"]] = f
    return rows


@pytest.mark.slow  # 1,500 synthetic residents with faults, matched
def test_every_blocked_pair_scores_the_same_online_and_in_splink(
    faulty_population: Path,
) -> None:
    model = load_model()
    rows = _features(faulty_population)
    linker = linker_for(feature_frame(rows.values()), model)
    predicted = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    assert len(predicted) > 200  # duplicates, households, shared birth dates
    worst = 0.0
    for left, right, weight in zip(predicted["patient_id_l"], predicted["patient_id_r"],
                                   predicted["match_weight"], strict=True):
        online = model.score(rows[str(left)], rows[str(right)])
        worst = max(worst, abs(online.weight - float(weight)))
    assert worst < 1e-9


def _pairs_by_rule(rows: dict[str, dict]) -> set[frozenset[str]]:
    """Every pair some rule's Python twin forms, found by key (not by all n² pairs)."""
    found = set()
    for rule in BLOCKING_RULES:
        by_key: dict[tuple, list[str]] = {}
        for pid, f in rows.items():
            key = tuple(f[b] for _, b in rule.equal)
            if None not in key:
                by_key.setdefault(key, []).append(pid)
        for pid, f in rows.items():
            for other in by_key.get(tuple(f[a] for a, _ in rule.equal), ()):
                if other != pid:
                    found.add(frozenset((pid, other)))
    return found


@pytest.mark.slow  # 1,500 synthetic residents with faults, blocked
def test_splink_blocks_exactly_the_pairs_the_online_check_keeps(
    faulty_population: Path,
) -> None:
    """The online check keeps a candidate only if `blocked` (the rules in Python) says
    the batch compares the pair: splink's SQL and the Python form the same pairs."""
    rows = _features(faulty_population)
    linker = linker_for(feature_frame(rows.values()), load_model())
    predicted = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    in_splink = {frozenset((str(a), str(b)))
                 for a, b in zip(predicted["patient_id_l"], predicted["patient_id_r"], strict=True)}
    in_python = _pairs_by_rule(rows)
    assert in_splink == in_python and len(in_python) > 200
    assert all(blocked(rows[a], rows[b]) for a, b in map(tuple, in_python))


@pytest.mark.parametrize(("a", "b"), [
    ("nguyen", "nguyne"), ("thuan", "thaun"), ("an", "anh"), ("hoang", "huynh"),
    ("079164160162", "079164160126"), ("1990-05-01", "1990-01-05"), ("", "x"),
])  # fmt: skip
def test_string_metrics_agree_between_duckdb_and_rapidfuzz(a: str, b: str) -> None:
    jw, dl = duckdb.connect().execute(
        "SELECT jaro_winkler_similarity(?, ?), damerau_levenshtein(?, ?)", [a, b, a, b]
    ).fetchone()
    assert jw == pytest.approx(JaroWinkler.similarity(a, b), abs=1e-12)
    assert dl == DamerauLevenshtein.distance(a, b)
