"""Accuracy of the matcher against a ground truth: which records are one person.

Pairs are unordered; a true pair is any two records with the same person key. Used by
`hoso mpi score`, the tests and docs/identity.md.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

__all__ = ["Accuracy", "accuracy", "read_truth", "true_pairs"]

Pair = tuple[str, str]


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def read_truth(path: Path) -> dict[str, str]:
    """patient_id → person_key from a ground-truth CSV (`hoso synth`'s persons.csv)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["patient_id"]: row["person_key"] for row in csv.DictReader(fh)}


def true_pairs(truth: dict[str, str]) -> set[Pair]:
    people: dict[str, list[str]] = defaultdict(list)
    for patient, person in truth.items():
        people[person].append(patient)
    return {_pair(a, b) for ids in people.values() for a, b in combinations(ids, 2)}


@dataclass(frozen=True, slots=True)
class Accuracy:
    true_pairs: int
    auto_pairs: int  # pairs the matcher would merge without a person
    auto_correct: int
    review_pairs: int  # pairs sent to a data steward
    review_correct: int

    @property
    def precision(self) -> float:
        return self.auto_correct / self.auto_pairs if self.auto_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.auto_correct / self.true_pairs if self.true_pairs else 1.0

    @property
    def recall_with_review(self) -> float:
        found = self.auto_correct + self.review_correct
        return found / self.true_pairs if self.true_pairs else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "true_pairs": self.true_pairs,
            "auto_pairs": self.auto_pairs,
            "auto_correct": self.auto_correct,
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "review_pairs": self.review_pairs,
            "review_correct": self.review_correct,
            "recall_with_review": round(self.recall_with_review, 6),
        }


def accuracy(scored: Iterable[tuple[str, str, str]], truth: dict[str, str]) -> Accuracy:
    """`scored`: (patient_a, patient_b, grade) for every pair the matcher reported; grade
    'certain' is an automatic match, 'possible' a review task. Records absent from the
    truth are ignored (they belong to no scored population)."""
    wanted = true_pairs(truth)
    auto: set[Pair] = set()
    review: set[Pair] = set()
    for a, b, grade in scored:
        if a not in truth or b not in truth:
            continue
        (auto if grade == "certain" else review if grade == "possible" else set()).add(
            _pair(a, b)
        )
    review -= auto
    return Accuracy(
        true_pairs=len(wanted),
        auto_pairs=len(auto),
        auto_correct=len(auto & wanted),
        review_pairs=len(review),
        review_correct=len(review & wanted),
    )
