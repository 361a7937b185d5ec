"""The shipped model on a population it was not trained on, scored against the truth:
the targets of the issue (automatic-match precision ≥ 0.999, recall ≥ 0.95)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.identity.mpi.dedupe import dedupe
from hoso.identity.mpi.evaluation import accuracy, read_truth, true_pairs
from hoso.identity.mpi.model import load_model


@pytest.mark.slow  # 1,500 synthetic residents with faults, matched
def test_automatic_matches_meet_the_precision_and_recall_targets(
    faulty_population: Path,
) -> None:
    truth = read_truth(faulty_population / "ground_truth" / "persons.csv")
    assert len(true_pairs(truth)) > 100  # the population really has duplicates
    with (faulty_population / "Patient.ndjson").open(encoding="utf-8") as fh:
        report = dedupe(fh, load_model(), DEFAULT_CCCD_SYSTEM, write=None, now_us=0)
    assert report.frame is not None
    scored = zip(report.frame["patient_a"], report.frame["patient_b"], report.frame["grade"],
                 strict=True)
    result = accuracy(scored, truth)
    assert result.precision >= 0.999
    assert result.recall >= 0.95
    assert result.recall_with_review >= result.recall
    # The review queue stays a small fraction of the population.
    assert result.review_pairs < 0.05 * report.patients


def test_accuracy_counts_pairs_against_the_truth() -> None:
    truth = {"a": "p1", "b": "p1", "c": "p1", "d": "p2", "e": "p3"}
    scored = [("a", "b", "certain"), ("b", "c", "possible"), ("d", "e", "certain"),
              ("a", "x", "certain")]  # "x" is in no scored population
    result = accuracy(scored, truth)
    assert (result.true_pairs, result.auto_pairs, result.auto_correct) == (3, 2, 1)
    assert (result.review_pairs, result.review_correct) == (1, 1)
    assert result.precision == 0.5
    assert result.recall == 1 / 3
    assert result.recall_with_review == 2 / 3
