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
