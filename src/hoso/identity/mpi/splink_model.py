"""The matching model as splink settings, and splink's trained model back as ours.

splink (https://moj-analytical-services.github.io/splink/) does the heavy batch work:
blocking, comparison vectors and scoring over a whole table in DuckDB, and the EM
training. The levels it evaluates are `comparisons.COMPARISONS`, so the online scorer
and the batch share one model.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import pandas as pd
from splink import Linker
from splink.backends.duckdb import DuckDBAPI

from hoso.identity.mpi.blocking import BLOCKING_RULES
from hoso.identity.mpi.comparisons import COMPARISONS
from hoso.identity.mpi.features import FEATURE_COLUMNS
from hoso.identity.mpi.model import MatchModel, check_thresholds

M_FLOOR = 0.002  # at least 1 in 500 true pairs disagrees on any one field
U_FLOOR = 1e-7
# Levels no training pair can fall in, given values instead of floors: two active
# residents never share a current CCCD (the database forbids it), and the synthetic
# populations never abbreviate a middle name, yet both happen in real registrations.
# Partial birth dates (a year, or a year and month, as FHIR allows) are absent from
# the synthetic populations. Their weight is the evidence of agreeing at that precision:
# a true pair agrees about 99 % of the time; two different residents share a birth
# month about 1 time in 780 and a year 1 in 70 (the model's own u of an exact date,
# 4.2e-5, times 30.4 days; its u of dates within one year). Hence m/u ≈ 770 and 69.
UNTEACHABLE: dict[tuple[str, str], tuple[float, float]] = {
    ("cccd", "exact"): (0.9, 1e-7),  # same 12 digits: all but certainly one person
    ("middle", "initial"): (0.05, 0.05),  # "V." agrees with "Văn": neutral evidence
    ("birth_date", "same month, partial date"): (M_FLOOR, M_FLOOR / 770),
    ("birth_date", "same year, partial date"): (M_FLOOR, M_FLOOR / 69),
}

__all__ = ["linker_for", "model_from_splink", "splink_settings"]


def _levels(comparison_name: str, model: MatchModel | None) -> list[dict[str, Any]]:
    comparison = next(c for c in COMPARISONS if c.name == comparison_name)
    out = []
    for level in comparison.levels:
        entry: dict[str, Any] = {"sql_condition": level.sql, "label_for_charts": level.label}
        if level.null:
            entry["is_null_level"] = True
        elif model is not None:
            m, u = model.parameters[comparison.name][level.label]
            entry["m_probability"] = m
            entry["u_probability"] = u
        out.append(entry)
    return out


def splink_settings(model: MatchModel | None = None) -> dict[str, Any]:
    """splink settings for a dedupe of the feature table (`model` None: untrained)."""
    settings: dict[str, Any] = {
        "link_type": "dedupe_only",
        "unique_id_column_name": "patient_id",
        # Which pairs are compared at all: `blocking`, which the online check applies too.
        "blocking_rules_to_generate_predictions": [rule.sql for rule in BLOCKING_RULES],
        "comparisons": [
            {
                "output_column_name": c.name,
                "comparison_description": c.description,
                "comparison_levels": _levels(c.name, model),
            }
            for c in COMPARISONS
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }
    if model is not None:
        settings["probability_two_random_records_match"] = model.prior
    return settings


def linker_for(frame: pd.DataFrame, model: MatchModel | None) -> Linker:
    """A splink Linker over `frame` (columns FEATURE_COLUMNS) on an in-memory DuckDB."""
    missing = [c for c in FEATURE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"feature table lacks {missing}")
    api = DuckDBAPI(connection=duckdb.connect())
    table = api.register(frame[list(FEATURE_COLUMNS)], dataset_display_name="patients")
    return Linker(table, splink_settings(model), log_level=logging.WARNING)


def model_from_splink(saved: dict[str, Any], *, trained_on: str,
                      match_threshold: float | None = None,
                      review_threshold: float | None = None) -> MatchModel:
    """Our model from splink's `save_model_to_json()` dictionary. Thresholds are not
    trained: given ones must be `thresholds.THRESHOLDS` (`model.check_thresholds`)."""
    check_thresholds(match_threshold, review_threshold)
    parameters: dict[str, dict[str, tuple[float, float]]] = {}
    for comparison in saved["comparisons"]:
        levels = {}
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            u = level.get("u_probability")
            # splink leaves a level untrained when no training pair fell in it; EM on a
            # population with few errors drives m of rare levels towards 0, a weight of
            # -60 bits that one typo could never overcome. Floors keep every weight
            # finite and bounded, so the model stays robust where the errors differ.
            key = (comparison["output_column_name"], level["label_for_charts"])
            if not m and not u and key in UNTEACHABLE:
                m, u = UNTEACHABLE[key]
            m = max(float(m), M_FLOOR) if m else M_FLOOR
            u = max(float(u), U_FLOOR) if u else U_FLOOR
            levels[key[1]] = (m, u)
        # Floors and fixed levels break m and u as distributions over the levels; scale
        # them back so that each sums to 1 (a level's weight moves by a fraction of a bit).
        m_total = sum(m for m, _ in levels.values())
        u_total = sum(u for _, u in levels.values())
        levels = {k: (m / m_total, u / u_total) for k, (m, u) in levels.items()}
        parameters[comparison["output_column_name"]] = levels
    return MatchModel(
        prior=float(saved["probability_two_random_records_match"]),
        parameters=parameters,
        trained_on=trained_on,
    )
