"""Group-1 indicators over a large warehouse on DuckDB: how long each analysis takes over
the whole city (issue 20 point 8: "a group-1 indicator over the whole city in under 2 s
on DuckDB").

The tables are drawn with numpy straight into Parquet in the warehouse's layout (not
through the pipeline: this measures the analyses, not the build), then each analysis of
`group1.ANALYSES` runs once to warm up and `--repeat` times timed.

Usage: python bench/warehouse_group1.py [--residents 1000000] [--encounters-per 8]
       [--threads 2] [--dir /tmp/wh-bench]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hoso.warehouse.indicators.group1 import ANALYSES, Parameters, analyse

CODES = np.array(["I10", "E11.9", "J44.1", "J45.9", "N18.3", "C50.9", "A09", "J06.9",
                  "K35.8", "O80", "S52.5", "Z00.0", "U07.1", "R50.9", "F32.9", "K29.7",
                  "M54.5"])  # fmt: skip
VACCINES = np.array(["19", "08", "102", "178", "10", "05", "04", "39"])


def _days(rng: np.random.Generator, n: int, first: str, span: int) -> np.ndarray:
    return np.datetime64(first) + rng.integers(0, span, n).astype("timedelta64[D]")


def _text(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days, unit="D")


def write(root: Path, residents: int, per: int, seed: int = 20) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    wards = np.array([f"{26000 + i * 3}" for i in range(168)])
    pid = np.char.add("anon-", np.arange(residents).astype(str))
    ward = wards[rng.integers(0, len(wards), residents)]
    birth = rng.integers(1930, 2026, residents)
    died = rng.random(residents) < 0.01
    death = np.where(died, _text(_days(rng, residents, "2020-01-01", 2190)), None)
    pq.write_table(pa.table({
        "id": pid, "gender": np.where(rng.random(residents) < 0.5, "male", "female"),
        "birth_year": birth, "deceased": pa.nulls(residents, pa.bool_()),
        "deceased_at": pa.array(death, pa.string()), "ward": ward,
        "period": np.full(residents, ""),
    }), root / "patient.parquet")  # fmt: skip
    n = residents * per
    who = rng.integers(0, residents, n)
    start = _days(rng, n, "2020-01-01", 2190)
    cls = np.array(["AMB", "AMB", "AMB", "AMB", "IMP", "EMER"])[rng.integers(0, 6, n)]
    stay = np.where(cls == "IMP", rng.integers(1, 9, n), 0).astype("timedelta64[D]")
    start_text = _text(start)
    pq.write_table(pa.table({
        "id": np.char.add("e", np.arange(n).astype(str)), "patient_id": pid[who],
        "status": np.full(n, "finished"), "class": cls, "start": start_text,
        "end": _text(start + stay), "facility_id": np.char.add("79", rng.integers(
            0, 400, n).astype(str)), "reason_icd10": CODES[rng.integers(0, len(CODES), n)],
        "primary_condition_id": pa.nulls(n, pa.string()),
        "discharge": np.where(cls == "IMP", "home", None).astype(object),
        "treatment_result": pa.nulls(n, pa.string()), "ward": ward[who],
        "period": np.char.ljust(start_text, 7).astype("U7"),
    }), root / "encounter.parquet")  # fmt: skip
    m = residents // 2
    cwho = rng.integers(0, residents, m)
    onset = _text(_days(rng, m, "2015-01-01", 4000))
    pq.write_table(pa.table({
        "id": np.char.add("c", np.arange(m).astype(str)), "patient_id": pid[cwho],
        "encounter_id": pa.nulls(m, pa.string()), "icd10": CODES[rng.integers(0, 6, m)],
        "clinical_status": np.full(m, "active"), "verification_status": np.full(m, "confirmed"),
        "category": np.full(m, "problem-list-item"), "onset": onset, "recorded": onset,
        "ward": ward[cwho], "period": np.char.ljust(onset, 7).astype("U7"),
    }), root / "condition.parquet")  # fmt: skip
    kids = np.flatnonzero(birth >= 2018)
    k = len(kids) * 8
    iwho = kids[rng.integers(0, max(len(kids), 1), k)]
    occurrence = _text(np.datetime64("2018-01-01") + rng.integers(0, 2900, k).astype(
        "timedelta64[D]"))  # fmt: skip
    pq.write_table(pa.table({
        "id": np.char.add("i", np.arange(k).astype(str)), "patient_id": pid[iwho],
        "encounter_id": pa.nulls(k, pa.string()), "status": np.full(k, "completed"),
        "vaccine_code": VACCINES[rng.integers(0, len(VACCINES), k)],
        "vaccine_system": np.full(k, "http://hl7.org/fhir/sid/cvx"), "occurrence": occurrence,
        "facility_id": pa.nulls(k, pa.string()), "ward": ward[iwho],
        "period": np.char.ljust(occurrence, 7).astype("U7"),
    }), root / "immunization.parquet")  # fmt: skip
    return {"patient": residents, "encounter": n, "condition": m, "immunization": k}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--encounters-per", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/wh-bench"))
    args = parser.parse_args()
    began = time.perf_counter()
    sizes = write(args.dir, args.residents, args.encounters_per)
    print(f"tables {sizes} written in {time.perf_counter() - began:.1f} s")
    con = ibis.duckdb.connect(threads=args.threads, autoinstall_known_extensions=False,
                              autoload_known_extensions=False)
    tables = {name: con.read_parquet(str(args.dir / f"{name}.parquet"), table_name=name)
              for name in sizes}  # fmt: skip
    params = Parameters(as_of="2025-12-31", years=(2024, 2025))
    for code in ANALYSES:
        expr = analyse(code, tables, params)
        rows = len(expr.to_pandas())
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            expr.to_pandas()
            times.append(time.perf_counter() - t)
        print(f"{code:26s} {rows:8d} rows  median {statistics.median(times):6.2f} s  "
              f"min {min(times):6.2f} s")


if __name__ == "__main__":
    main()
