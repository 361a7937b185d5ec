"""Whole-store deduplication: every likely pair of records of one resident.

The feature table goes to splink on DuckDB in memory; blocking (`blocking`, the rules the
online check applies too) keeps the comparisons to the pairs that share a birth date (or
its day/month swap), a name and birth year, a CCCD or a phone, so a million residents
need tens of millions of comparisons, not 5·10¹¹. Weights and grades come from the same
`MatchModel` the online check scores with.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from hoso.identity.mpi.features import FEATURE_COLUMNS, Features
from hoso.identity.mpi.model import MatchModel
from hoso.identity.mpi.splink_model import linker_for

__all__ = ["feature_frame", "find_pairs"]


def feature_frame(rows: Iterable[Features]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=list(FEATURE_COLUMNS))


def find_pairs(frame: pd.DataFrame, model: MatchModel) -> pd.DataFrame:
    """Pairs at or above the review threshold: patient_a < patient_b, weight,
    probability, grade ('certain' | 'possible'), and the level of each comparison."""
    columns = ["patient_a", "patient_b", "weight", "probability", "grade"]
    if len(frame) < 2:
        return pd.DataFrame(columns=columns)
    linker = linker_for(frame, model)
    # splink keeps match_weight >= the cut-off: the review threshold, as `model.grade`.
    predicted = linker.inference.predict(
        threshold_match_weight=model.thresholds.review, warning_mode="never"
    ).as_pandas_dataframe()
    if predicted.empty:
        return pd.DataFrame(columns=columns)
    left, right = predicted["patient_id_l"].astype(str), predicted["patient_id_r"].astype(str)
    out = pd.DataFrame({
        "patient_a": left.where(left < right, right),
        "patient_b": right.where(left < right, left),
        "weight": predicted["match_weight"].astype(float),
        "probability": predicted["match_probability"].astype(float),
    })
    out["grade"] = [model.grade(w) for w in out["weight"]]
    return out.sort_values("weight", ascending=False, ignore_index=True)
