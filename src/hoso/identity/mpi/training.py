"""Training the model without labels: splink's expectation maximisation.

u (how often two different people agree by chance) comes from random pairs; m (how
often one person's two records agree) from EM on blocked pairs, blocked once on the
birth date (teaching every other field) and once on the name (teaching the birth date).
The prior comes from near-certain deterministic rules. No ground truth is used: the
synthetic population's truth only scores the result (`evaluation`).
"""

from __future__ import annotations

import pandas as pd

from hoso.identity.mpi.model import MatchModel, check_thresholds
from hoso.identity.mpi.splink_model import linker_for, model_from_splink

__all__ = ["train_model"]

_DETERMINISTIC = (
    "l.cccd = r.cccd",
    "l.family = r.family AND l.given = r.given AND l.birth_date = r.birth_date "
    "AND l.line = r.line",
)


def train_model(frame: pd.DataFrame, *, trained_on: str, seed: int = 1,
                match_threshold: float | None = None,
                review_threshold: float | None = None) -> MatchModel:
    """m, u and the prior from `frame` (FEATURE_COLUMNS). The thresholds are not
    trained; callers that pass them must pass `thresholds.THRESHOLDS`."""
    check_thresholds(match_threshold, review_threshold)  # before minutes of training
    linker = linker_for(frame, None)
    training = linker.training
    training.estimate_probability_two_random_records_match(list(_DETERMINISTIC), recall=0.8)
    training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    training.estimate_parameters_using_expectation_maximisation("l.birth_date = r.birth_date")
    training.estimate_parameters_using_expectation_maximisation(
        "l.family = r.family AND l.given = r.given"
    )
    return model_from_splink(
        linker.misc.save_model_to_json(),
        match_threshold=match_threshold,
        review_threshold=review_threshold,
        trained_on=trained_on,
    )
