"""`hoso mpi dedupe`: the whole store through the batch matcher into the review queue.

Stages are timed separately (reading and normalising, splink, writing) because the
issue asks for the time at a million residents and the three scale differently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hoso.core import jsonx
from hoso.identity.mpi.batch import feature_frame, find_pairs
from hoso.identity.mpi.features import Features, patient_features
from hoso.identity.mpi.model import MatchModel
from hoso.identity.mpi.review_rows import candidate_row

__all__ = ["DedupeReport", "dedupe", "features_of"]


@dataclass(slots=True)
class DedupeReport:
    patients: int = 0
    pairs: int = 0
    certain: int = 0
    possible: int = 0
    queued: int = 0  # pairs new to the review queue
    seconds: dict[str, float] = field(default_factory=dict)
    frame: pd.DataFrame | None = None  # the pairs, for --report

    def as_dict(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "pairs": self.pairs,
            "certain": self.certain,
            "possible": self.possible,
            "queued": self.queued,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def features_of(contents: Iterable[str], cccd_system: str) -> Iterable[Features]:
    """Feature rows of the active Patients among stored JSON documents."""
    for content in contents:
        patient = jsonx.loads(content)
        if patient.get("active", True) is not False:
            yield patient_features(patient, cccd_system)


def dedupe(contents: Iterable[str], model: MatchModel, cccd_system: str, *,
           write: Callable[[list[dict[str, Any]]], int] | None, now_us: int) -> DedupeReport:
    """Score every blocked pair of active Patients; queue those at or above the review
    threshold through `write` (None: a dry run)."""
    report = DedupeReport()
    started = time.perf_counter()
    frame = feature_frame(features_of(contents, cccd_system))
    report.patients = len(frame)
    report.seconds["read_and_normalise"] = time.perf_counter() - started
    started = time.perf_counter()
    pairs = find_pairs(frame, model)
    report.seconds["match"] = time.perf_counter() - started
    report.pairs = len(pairs)
    report.certain = int((pairs["grade"] == "certain").sum()) if len(pairs) else 0
    report.possible = report.pairs - report.certain
    report.frame = pairs
    started = time.perf_counter()
    if write is not None and len(pairs):
        rows = [
            candidate_row(a, b, weight=w, probability=p, grade=g, origin="batch", levels=None,
                          created_us=now_us)
            for a, b, w, p, g in pairs[["patient_a", "patient_b", "weight", "probability",
                                        "grade"]].itertuples(index=False, name=None)
        ]
        report.queued = write(rows)
    report.seconds["queue"] = time.perf_counter() - started
    return report
