"""HL7 v2 lab results over MLLP into a running `hoso mllp` listener (issue 16 point 6).

    python -m bench.mllp_rate [--messages 2000] [--connections 1 4 8]

A fresh PostgreSQL database (`hoso_bench_mllp`) with the facility registered, then
`hoso mllp --facility CODE --host 127.0.0.1 --port 0` as shipped (a real process; the
care-claim watch's floor raised, see `bench.intake_setup`). For
each number of connections in `--connections`, that many socket clients (threads, one
TCP connection each, as a lab system's interface engine opens them) send `--messages`
ORU^R01 messages between them, each framed `0x0B … 0x1C 0x0D` and sent once the
previous ACK is in (original-mode acknowledgement: a sender waits for its ACK).
Messages are lab results of today for `bench.population`'s residents (about three
orders each, so most Patients and Encounters are already on file when their next
result comes): MSH, PID (CCCD, BHYT card, facility number), PV1, ORC, OBR and 3–5 OBX.
Each rate is messages answered AA over the wall clock of that round. Target:
≥ 500 messages/s.

The default is 300 messages per round (a quick run); `--messages 3000` is the full
size. Results: `bench/results/mllp-<backend>-<messages>[-label].json`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from bench.bulk import fresh_pg
from bench.intake_setup import (
    CLAIM_WATCH_ENV,
    VAR,
    AutoAnalyze,
    facts,
    register_facility,
    write_result,
)
from bench.latency import hoso_command, summarise
from bench.population import person
from bench.xml130_files import FACILITY, day_window, today

__all__ = ["main", "oru", "run"]

TARGET = 500.0  # messages/s
DATABASE = "hoso_bench_mllp"
START, END = b"\x0b", b"\x1c\x0d"
# (LOINC, name, UCUM unit, mean, spread, low–high)
TESTS = (
    ("2345-7", "Glucose [Moles/volume] in Serum or Plasma", "mmol/L", 5.8, 1.3, "3.9-6.1"),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "umol/L", 85, 20, "62-106"),
    ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume]", "U/L", 30, 12, "0-40"),
    ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume]", "U/L", 28, 10, "0-37"),
    ("2093-3", "Cholesterol [Moles/volume] in Serum or Plasma", "mmol/L", 5.0, 0.9, "0-5.2"),
    ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 6.2, 1.0, "4-6"),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/L", 135, 15, "120-160"),
    ("6690-2", "Leukocytes [#/volume] in Blood", "10*9/L", 7.5, 2.0, "4-10"),
)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def _pv1(visit: str, admitted: str) -> str:
    """PV1 by field number: 2 class (outpatient), 3 location, 7 attending doctor, 19 the
    visit number, 44 the admission time."""
    fields = [""] * 45
    fields[:4] = ["PV1", "1", "O", "KHAM^P5"]
    fields[7], fields[19], fields[44] = "BS001^Trần^Bình", visit, admitted
    return "|".join(fields)


def oru(number: int, day: date, facility: str = FACILITY) -> bytes:
    """Lab result `number` of `day`: one order (OBR) with 3–5 results (OBX) for resident
    `number // 3` (their visit of the day is PV1-19)."""
    rng = random.Random(f"mllp:{day}:{number}")
    resident = number // 3
    p = person(resident)
    taken = day_window(day) + timedelta(seconds=rng.randrange(7 * 3600))
    reported = taken + timedelta(minutes=rng.randint(30, 120))
    family, middle, given = p.family, p.middle, p.given
    address = f"{p.line}^^{p.district}^Thành phố Hồ Chí Minh^^VN"
    order = f"XN{day:%Y%m%d}{number:07d}"
    segments = [
        f"MSH|^~\\&|LIS_{facility}|{facility}^^L|HOSO|SYT_HCM|{_ts(reported)}+0700||"
        f"ORU^R01^ORU_R01|{order}|P|2.5|||AL|NE|VN|UNICODE UTF-8",
        f"PID|1||{p.cccd}^^^BCA^NNVNM~BN{resident:08d}^^^{facility}^MR||"
        f"{family}^{given}^{middle}||{p.birth_date:%Y%m%d}|{'M' if p.gender == 'male' else 'F'}"
        f"|||{address}||{p.phone}",
        _pv1(f"KB{day:%Y%m%d}-{resident:07d}", _ts(taken)),
        f"ORC|RE|{order}|{order}F",
        f"OBR|1|{order}|{order}F|24323-8^Comprehensive metabolic panel^LN|||{_ts(taken)}"
        + "|" * 15 + f"{_ts(reported)}|||F",
    ]
    for set_id, (code, name, unit, mean, spread, normal) in enumerate(
            rng.sample(TESTS, rng.randint(3, 5)), 1):  # fmt: skip
        value = max(0.1, rng.gauss(mean, spread))
        low, high = (float(x) for x in normal.split("-"))
        flag = "H" if value > high else "L" if value < low else "N"
        segments.append(f"OBX|{set_id}|NM|{code}^{name}^LN||{value:.1f}|{unit}|{normal}|{flag}"
                        f"|||F|||{_ts(reported)}")  # fmt: skip
    return ("\r".join(segments) + "\r").encode()


@contextmanager
def listener(database_url: str, facility: str) -> Iterator[tuple[int, int]]:
    """`hoso mllp` on a free port; yields (port, pid)."""
    log = VAR / f"mllp-listener-{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **CLAIM_WATCH_ENV, "HOSO_DATABASE_URL": database_url}
    command = [*hoso_command(), "mllp", "--facility", facility, "--host", "127.0.0.1",
               "--port", "0"]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 120
            while not (found := re.search(r"MLLP 127\.0\.0\.1:(\d+)", log.read_text())):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"hoso mllp did not start, see {log}")
                time.sleep(0.1)
            yield int(found.group(1)), proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def _exchange(conn: socket.socket, message: bytes) -> bytes:
    conn.sendall(START + message + END)
    answer = b""
    while not answer.endswith(END):
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("the listener closed the connection")
        answer += chunk
    return answer


def send_round(port: int, messages: list[bytes], connections: int) -> dict[str, Any]:
    """`messages` through `connections` sockets at once, each waiting for its ACKs."""
    acks: dict[str, int] = {}
    seconds: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(connections + 1)

    def client(share: list[bytes]) -> None:
        mine, codes = [], []
        with socket.create_connection(("127.0.0.1", port), timeout=600) as conn:
            start.wait()
            for message in share:
                t0 = time.perf_counter()
                answer = _exchange(conn, message)
                mine.append(time.perf_counter() - t0)
                found = re.search(rb"\rMSA\|(\w\w)\|", answer)
                codes.append(found.group(1).decode() if found else "??")
                if codes[-1] != "AA" and len(errors) < 5:
                    errors.append(answer.decode(errors="replace")[:500])
        with lock:
            seconds.extend(mine)
            for code in codes:
                acks[code] = acks.get(code, 0) + 1

    threads = [threading.Thread(target=client, args=(messages[k::connections],))
               for k in range(connections)]  # fmt: skip
    for t in threads:
        t.start()
    start.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"connections": connections, "messages": len(messages), "seconds": round(wall, 2),
            "messages_per_s": round(acks.get("AA", 0) / wall, 2), "acks": acks,
            "latency_ms": summarise(seconds), "errors": errors}  # fmt: skip


def run(messages: int, database_url: str, *, connections: list[int], facility: str = FACILITY,
        analyze_every: float = 20.0, label: str | None = None,
        write: bool = True) -> dict[str, Any]:  # fmt: skip
    day = today()  # a facility's system writes recent care only
    register_facility(database_url, facility)
    rounds = []
    with listener(database_url, facility) as (port, pid), \
            AutoAnalyze(database_url, analyze_every) as analyzer:  # fmt: skip
        print(f"[mllp] hoso mllp on port {port} (pid {pid})", flush=True)
        for k, n in enumerate(connections):
            batch = [oru(k * messages + i, day, facility) for i in range(messages)]
            load = [round(x, 2) for x in os.getloadavg()]
            done = send_round(port, batch, n)
            done["load_average_before"] = load
            rounds.append(done)
            print(f"[mllp] {n} connection(s): {done['messages_per_s']} messages/s, "
                  f"p50 {done['latency_ms'].get('p50_ms')} ms, acks {done['acks']}", flush=True)
    best = max(r["messages_per_s"] for r in rounds)
    command = "python -m bench.mllp_rate " + " ".join(sys.argv[1:])
    result = facts(
        "mllp-rate", database_url, command, label=label, statistics=analyzer.describe(),
        measured=f"hoso mllp --facility {facility} --host 127.0.0.1 --port 0; ORU^R01 "
                 "over plain sockets, one message in flight per connection",
        listener_environment=CLAIM_WATCH_ENV, messages_per_round=messages, rounds=rounds,
        best_messages_per_s=best,
        target=f"≥ {TARGET:g} messages/s", meets_target=best >= TARGET,
    )  # fmt: skip
    if write:
        write_result(f"mllp-{result['backend']}-{messages}" + (f"-{label}" if label else ""),
                     result)  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="per round; 3000 for full")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--database-url", help=f"default: a fresh PostgreSQL {DATABASE}")
    parser.add_argument("--facility", default=FACILITY)
    parser.add_argument("--analyze-every", type=float, default=20.0,
                        help="seconds between ANALYZEs on PostgreSQL (0: none)")
    parser.add_argument("--label", help="written as mllp-…-LABEL.json (before/after)")
    args = parser.parse_args(argv)
    url = args.database_url or fresh_pg(DATABASE)
    result = run(args.messages, url, connections=args.connections, facility=args.facility,
                 analyze_every=args.analyze_every, label=args.label)  # fmt: skip
    ok = all(r["acks"].get("AA", 0) == r["messages"] for r in result["rounds"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
