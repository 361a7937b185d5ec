"""The trained Fellegi–Sunter parameters and the decision they lead to.

A pair's match weight is log2 of the prior odds plus, for every comparison, log2(m/u) of
the level the pair falls in (0 for a null level): the quantity splink calls
`match_weight`. The two thresholds of `thresholds.THRESHOLDS` turn it into the MPI's
three answers: at or above `match` the records are the same resident (attached
automatically), at or above `review` a data steward decides, below it the incoming
record is a new resident.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hoso.core import jsonx
from hoso.identity.mpi.comparisons import COMPARISONS, compare
from hoso.identity.mpi.features import Features
from hoso.identity.mpi.thresholds import THRESHOLDS, Thresholds

__all__ = ["DEFAULT_MODEL", "MatchModel", "PairScore", "check_thresholds", "load_model"]

DEFAULT_MODEL = "model.json"


@dataclass(frozen=True, slots=True)
class PairScore:
    weight: float
    probability: float
    levels: dict[str, str]  # comparison → label of the level the pair fell in
    grade: str  # certain | probable | possible | certainly-not (FHIR match-grade)


@dataclass(frozen=True, slots=True)
class MatchModel:
    prior: float  # probability that two records drawn at random are one resident
    # comparison → level label → (m, u); null levels absent
    parameters: dict[str, dict[str, tuple[float, float]]]
    trained_on: str = ""
    thresholds: Thresholds = THRESHOLDS

    @property
    def match_threshold(self) -> float:
        return self.thresholds.match

    @property
    def review_threshold(self) -> float:
        return self.thresholds.review

    def level_weight(self, comparison: str, label: str) -> float:
        m, u = self.parameters[comparison][label]
        return math.log2(m / u)

    def score(self, left: Features, right: Features) -> PairScore:
        weight = math.log2(self.prior / (1 - self.prior))
        levels: dict[str, str] = {}
        for comparison, index in zip(COMPARISONS, compare(left, right), strict=True):
            level = comparison.levels[index]
            levels[comparison.name] = level.label
            if not level.null:
                weight += self.level_weight(comparison.name, level.label)
        return PairScore(weight, _probability(weight), levels, self.grade(weight))

    def grade(self, weight: float) -> str:
        return self.thresholds.grade(weight)

    def to_json(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "trained_on": self.trained_on,
            "comparisons": {
                name: {label: {"m": m, "u": u} for label, (m, u) in levels.items()}
                for name, levels in self.parameters.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MatchModel:
        parameters = {
            name: {label: (float(p["m"]), float(p["u"])) for label, p in levels.items()}
            for name, levels in data["comparisons"].items()
        }
        _check_complete(parameters)
        check_thresholds(data.get("match_threshold"), data.get("review_threshold"))
        return cls(prior=float(data["prior"]), parameters=parameters,
                   trained_on=str(data.get("trained_on", "")))  # fmt: skip


def check_thresholds(match: Any, review: Any) -> None:
    """Refuse thresholds other than `THRESHOLDS` (None: not given): a model file or a
    training run that brought its own would score one path against another band."""
    for name, given, ours in (("match", match, THRESHOLDS.match),
                              ("review", review, THRESHOLDS.review)):  # fmt: skip
        if given is not None and float(given) != ours:
            raise ValueError(
                f"Ngưỡng {name} = {given} khác ngưỡng chung {ours} (identity/mpi/thresholds.py)"
                f" / The {name} threshold {given} differs from the one set of thresholds, "
                f"{ours} (identity/mpi/thresholds.py)"
            )


def _probability(weight: float) -> float:
    odds = 2.0 ** max(min(weight, 1000.0), -1000.0)
    return odds / (1 + odds)


def _check_complete(parameters: dict[str, dict[str, tuple[float, float]]]) -> None:
    for comparison in COMPARISONS:
        for level in comparison.levels:
            if level.null:
                continue
            m, u = parameters.get(comparison.name, {}).get(level.label, (0.0, 0.0))
            if not (0 < m <= 1 and 0 < u <= 1):
                raise ValueError(
                    f"Mô hình thiếu tham số m/u hợp lệ cho {comparison.name}: {level.label} / "
                    f"The model lacks valid m/u for {comparison.name}: {level.label}"
                )


def load_model(path: Path | None = None) -> MatchModel:
    """The model at `path`, or the one shipped with the package."""
    if path is None:
        text = resources.files(__package__).joinpath(DEFAULT_MODEL).read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    return MatchModel.from_json(jsonx.loads(text))
