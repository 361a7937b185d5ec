"""The two match-weight thresholds of the MPI, defined here and nowhere else.

Every path that turns a weight into a decision reads `THRESHOLDS`: the online check of
each Patient create and `Patient/$match` (through `MatchModel.grade`), the batch
(`batch.find_pairs`: splink's cut-off and the grade of each pair) and the review page.
They are policy, not trained quantities, so they are not part of a model file:
`MatchModel.from_json` refuses a file that brings other values, rather than let one
path run with a band the other does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["THRESHOLDS", "Thresholds"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    match: float  # at or above: the same resident, attached automatically
    review: float  # at or above (and below `match`): a data steward decides

    def grade(self, weight: float) -> str:
        """FHIR match-grade of a pair of records: certain | possible | certainly-not."""
        if weight >= self.match:
            return "certain"
        if weight >= self.review:
            return "possible"
        return "certainly-not"


# Weight 10 is a posterior of about 0.999 at the model's prior; −10 keeps the review
# queue at a few pairs per ten thousand residents (docs/identity.md, "Measured").
THRESHOLDS = Thresholds(match=10.0, review=-10.0)
