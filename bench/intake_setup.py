"""What the interconnection benchmarks (issue 16: `bench.xml130_day`,
`bench.gateway_senders`, `bench.mllp_rate`) share: a fresh database with the sending
facility registered, `hoso` in a fresh process, PostgreSQL's statistics kept fresh as
autovacuum would, and the facts written beside every figure.

**The care-claim watch.** A facility's system that opens residents' records faster than
twice its busiest hour of the past 30 days (at least `HOSO_CARE_CLAIM_FLOOR`, 30 an
hour) is slowed to one opening per 10 s (`hoso.access.care_claims`). A benchmark sends
in minutes what a large hospital sends in a day, into an empty store: every visit opens
a record. The servers run with `CLAIM_WATCH_ENV` (a floor no run reaches), as an
operator would set it for a hospital of that size; the watch itself is not bypassed.

**Statistics.** The shared PostgreSQL server of this machine runs with `autovacuum =
off`. An intake run starts on empty tables and adds tens of thousands of rows a minute:
without `ANALYZE`, the plans made for empty tables stay, and each conditional update's
identifier search walks every index row of its type (1.4–4 ms, growing with the table,
against 0.1 ms). `AutoAnalyze` runs `ANALYZE` every `interval` seconds during a
measurement, which is what autovacuum does on a default server (it analyses a table
once its changed rows pass 10 %, checking every minute).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from bench.facts import database_facts, machine
from bench.latency import hoso_command
from bench.load import RESULTS, backend_name, code_version
from hoso.core.clock import VN_TZ
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.store.engine import make_engine

__all__ = ["CLAIM_WATCH_ENV", "AutoAnalyze", "facts", "hoso", "register_facility",
           "write_result"]

ROOT = Path(__file__).resolve().parent.parent
CLAIM_WATCH_ENV = {"HOSO_CARE_CLAIM_FLOOR": "1000000"}
VAR = ROOT / "var" / "bench"


def hoso(database_url: str, *args: str, env: dict[str, str] | None = None,
         timeout: float | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """A `hoso` command in a fresh process, on `database_url`."""
    environment = {**os.environ, "HOSO_DATABASE_URL": database_url, **(env or {})}
    return subprocess.run([*hoso_command(), *args], env=environment, capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip


def register_facility(database_url: str, facility: str) -> None:
    """The facility's Organization, by its code, with `hoso import`: the care a facility
    files names it, and a file whose facility has none is refused (docs/interop.md)."""
    org = {"resourceType": "Organization", "active": True,
           "name": f"Bệnh viện {facility} (tổng hợp / synthetic)",
           "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": facility}]}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"organization-{facility}.ndjson"
        path.write_bytes(orjson.dumps(org) + b"\n")
        done = hoso(database_url, "import", str(path), "--no-progress")
    if done.returncode != 0:
        raise SystemExit(f"hoso import (facility {facility}) failed: {done.stderr[-2000:]}")


class AutoAnalyze:
    """`ANALYZE` every `interval` seconds on PostgreSQL while the block runs (nothing on
    SQLite, which the shipped server never analyses)."""

    def __init__(self, database_url: str, interval: float) -> None:
        self.url, self.interval = database_url, interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None

    def _loop(self) -> None:
        engine = make_engine(self.url)
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                while not self._stop.wait(self.interval):
                    conn.exec_driver_sql("ANALYZE")
                    self.runs += 1
        except Exception as exc:  # reported when the block ends: a run without it is not one
            self._failed = exc
        finally:
            engine.dispose()

    def __enter__(self) -> AutoAnalyze:
        if backend_name(self.url) == "postgresql" and self.interval > 0:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._failed is not None and error is None:
            raise RuntimeError(f"ANALYZE failed: {self._failed}") from self._failed

    def describe(self) -> str:
        if self._thread is None:
            return "none"
        return f"ANALYZE every {self.interval:g} s ({self.runs} runs): autovacuum's stand-in"


def facts(benchmark: str, database_url: str, command: str, **extra: Any) -> dict[str, Any]:
    """The facts every result carries: what, when (Ho Chi Minh City time), the machine
    and its load, the code, the database."""
    found = database_facts(database_url)
    return {
        "benchmark": benchmark,
        "backend": backend_name(database_url),
        "date": datetime.now(VN_TZ).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine(),
        "code": code_version(),
        "database": {k: v for k, v in found.items() if k != "resources"},
        "resources_stored": found["resources"],
        **extra,
    }


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}", flush=True)
    return path

