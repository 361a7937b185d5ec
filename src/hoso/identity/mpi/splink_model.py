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

from hoso.identity.mpi.comparisons import COMPARISONS
from hoso.identity.mpi.features import FEATURE_COLUMNS
from hoso.identity.mpi.model import MatchModel

M_FLOOR = 0.002  # at least 1 in 500 true pairs disagrees on any one field
U_FLOOR = 1e-7
# Levels no training pair can fall in, given values instead of floors: two active
# residents never share a current CCCD (the database forbids it), and the synthetic
# populations never abbreviate a middle name, yet both happen in real registrations.
UNTEACHABLE: dict[tuple[str, str], tuple[float, float]] = {
    ("cccd", "exact"): (0.9, 1e-7),  # same 12 digits: all but certainly one person
    ("middle", "initial"): (0.05, 0.05),  # "V." agrees with "Văn": neutral evidence
}

__all__ = ["BLOCKING_RULES", "linker_for", "model_from_splink", "splink_settings"]

# Which pairs are compared at all. Each rule has an online twin in `online.candidate_queries`
# (a FHIR search), so both paths look at the same candidates.
BLOCKING_RULES = (
    "l.birth_date = r.birth_date",
    "l.birth_date = r.birth_swapped",
    "l.family = r.family AND l.given = r.given AND l.birth_year = r.birth_year",
    "l.cccd = r.cccd",
    "l.phone = r.phone AND l.given = r.given",
)


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
        "blocking_rules_to_generate_predictions": list(BLOCKING_RULES),
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


def model_from_splink(saved: dict[str, Any], *, match_threshold: float,
                      review_threshold: float, trained_on: str) -> MatchModel:
    """Our model from splink's `save_model_to_json()` dictionary."""
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
        match_threshold=match_threshold,
        review_threshold=review_threshold,
        trained_on=trained_on,
    )
