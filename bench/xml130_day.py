"""A large hospital's outpatient day through `hoso import-xml130` (issue 16 point 6).

    python -m bench.xml130_day [--visits 10000] [--database-url URL]

The day's files (`bench.xml130_files`: one GIAMDINHHS per visit, XML1–XML5, about 34
resources each) are taken by the command as an operator runs it, in a fresh process:
`hoso import-xml130 DIR --facility CODE --no-progress`, into an empty PostgreSQL
database (`hoso_bench_xml130`, dropped and migrated first) where only the facility's
Organization is registered (`hoso import`). The time is the command's wall clock, start
to exit, with `ANALYZE` running beside it as autovacuum would (`bench.intake_setup`).
Target: 10,000 visits in under 2 minutes on this 2-core machine.

The default is 200 visits (a quick run); `--visits 10000` is the target's size. Results:
`bench/results/xml130-day-<backend>-<visits>[-label].json`.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.bulk import _tree_rss_kib, fresh_pg
from bench.intake_setup import AutoAnalyze, facts, register_facility, write_result
from bench.latency import hoso_command
from bench.xml130_files import FACILITY, day_files, today

__all__ = ["main", "run"]

TARGET_VISITS, TARGET_SECONDS = 10_000, 120.0
DATABASE = "hoso_bench_xml130"


def timed_command(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `command`, sampling the resident memory of its process tree: wall clock, and
    the CPU time it used (less sensitive than the wall clock to other work on the
    machine; PostgreSQL's own time is not in it)."""
    peak = [0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    return {"seconds": round(seconds, 2), "cpu_seconds": round(used, 2),
            "returncode": proc.returncode, "stdout": out, "stderr": err,
            "peak_rss_mib": peak[0] // 1024}  # fmt: skip


def _totals(out: str) -> dict[str, int]:
    """'Tệp / files: N, hồ sơ / records: N, bị từ chối / refused: N' → numbers."""
    line = out.strip().splitlines()[-1] if out.strip() else ""
    numbers = [int(part.rsplit(":", 1)[1]) for part in line.split(",") if ":" in part]
    return dict(zip(("files", "records", "refused"), numbers, strict=False))


def run(visits: int, database_url: str, *, day: date, facility: str = FACILITY,
        analyze_every: float = 20.0, label: str | None = None, src: str | None = None,
        files: Path | None = None, write: bool = True) -> dict[str, Any]:  # fmt: skip
    """Take `visits` visits of `day` (their files under `files`, default var/bench/)."""
    made = day_files(visits, day, facility=facility, out=files)
    print(f"[xml130-day] {visits} visits in {made.folder} ({made.bytes / 2**20:.1f} MiB)",
          flush=True)  # fmt: skip
    register_facility(database_url, facility)
    command = [*hoso_command(), "import-xml130", str(made.folder), "--facility", facility,
               "--no-progress"]  # fmt: skip
    load_before = [round(x, 2) for x in os.getloadavg()]
    env = {**os.environ, "HOSO_DATABASE_URL": database_url, **({"PYTHONPATH": src} if src else {})}
    with AutoAnalyze(database_url, analyze_every) as analyzer:
        done = timed_command(command, env)
    totals = _totals(done["stdout"])
    if done["returncode"] not in (0, 1) or totals.get("records") != visits:
        raise SystemExit(f"import-xml130 failed ({done['returncode']}): {done['stderr'][-2000:]}")
    seconds = done["seconds"]
    result = facts(
        "xml130-day", database_url, "python -m bench.xml130_day " + " ".join(sys.argv[1:]),
        measured="hoso " + " ".join(command[len(hoso_command()):]), label=label, src=src,
        load_average_before=load_before,
        load_average_after=[round(x, 2) for x in os.getloadavg()],
        statistics=analyzer.describe(),
        files={"count": len(made.files), "bytes": made.bytes, "day": day.isoformat(),
               "facility": facility, "visits_per_file": 1},
        visits=visits, records_refused=totals.get("refused"),
        message_lines=len(done["stderr"].splitlines()), seconds=seconds,
        command_cpu_seconds=done["cpu_seconds"],
        command_cpu_ms_per_visit=round(done["cpu_seconds"] / visits * 1000, 1),
        visits_per_s=round(visits / seconds, 2), peak_rss_mib=done["peak_rss_mib"],
        target="10,000 visits in under 120 s (83.3 visits/s)",
        meets_target=visits / seconds >= TARGET_VISITS / TARGET_SECONDS,
    )  # fmt: skip
    written = sum(result["resources_stored"].values()) - 1  # less the Organization
    result["resources_per_s"] = round(written / seconds)
    print(f"[xml130-day] {visits} visits in {seconds} s: {result['visits_per_s']} visits/s, "
          f"{result['resources_per_s']} resources/s, refused {totals.get('refused')}, "
          f"target {'met' if result['meets_target'] else 'missed'}", flush=True)  # fmt: skip
    if write:
        write_result(f"xml130-day-{result['backend']}-{visits}" + (f"-{label}" if label else ""),
                     result)  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=200, help="10000 for the target")
    parser.add_argument("--database-url", help=f"default: a fresh PostgreSQL {DATABASE}")
    parser.add_argument("--day", type=date.fromisoformat, default=today(),
                        help="the visits' day (default today, Ho Chi Minh City)")
    parser.add_argument("--facility", default=FACILITY)
    parser.add_argument("--analyze-every", type=float, default=20.0,
                        help="seconds between ANALYZEs on PostgreSQL (0: none)")
    parser.add_argument("--label", help="written as xml130-day-…-LABEL.json (before/after)")
    parser.add_argument("--src", help="PYTHONPATH of the measured command: another source tree "
                        "(`git archive COMMIT src`) for a before/after on one machine")
    args = parser.parse_args(argv)
    url = args.database_url or fresh_pg(DATABASE)
    result = run(args.visits, url, day=args.day, facility=args.facility,
                 analyze_every=args.analyze_every, label=args.label, src=args.src)  # fmt: skip
    return 0 if result["records_refused"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
