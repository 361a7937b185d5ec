"""XML 130 visits through the BHXH-shaped gateway of a running `hoso serve`, from 8
concurrent senders (issue 16 point 6).

    python -m bench.gateway_senders [--visits 3000] [--senders 8] [--server-workers 1]

A fresh PostgreSQL database (`hoso_bench_gateway`) with the facility registered and a
gateway account (`hoso clients add-gateway`), then `hoso serve` as shipped (the rate
limit off: one facility sends thousands of calls a minute; the care-claim watch's floor
raised, see `bench.intake_setup`). Each sender is a HIS's
connection (its own HTTP client, one call at a time): `POST /api/token/take` with the
upper-case MD5 of the password, then for each visit `POST /api/qd130/guiHoSoXmlQD4750`
(headers `accessToken`, `tokenId`, `passwordHash`; JSON with `fileHSBase64`), taking a
new token when the server answers 401 (tokens last 5 minutes). The visits are
`bench.xml130_files`' (one GIAMDINHHS each), dated today: a facility's token may write
only recent care. Throughput is visits answered `maKetQua` 200 over the wall clock from
the first call to the last answer; latency is per call. Target: ≥ 30 visits/s.

The default is 200 visits (a quick run); `--visits 3000` (100 s at the target rate) is
the full size. Results: `bench/results/gateway-<backend>-<visits>[-label].json`.
"""

from __future__ import annotations

import argparse
import base64
import os
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.bulk import fresh_pg
from bench.intake_setup import (
    CLAIM_WATCH_ENV,
    AutoAnalyze,
    facts,
    hoso,
    register_facility,
    write_result,
)
from bench.latency import SERVER_ENV, SERVER_WORKERS, server, summarise
from bench.xml130_files import FACILITY, VAR, day_files, today
from hoso.access.gateway_login import md5_upper

__all__ = ["main", "run"]

TARGET = 30.0  # visits/s
DATABASE = "hoso_bench_gateway"
SUBMIT = "/api/qd130/guiHoSoXmlQD4750"


def gateway_account(database_url: str, facility: str) -> tuple[str, str]:
    """(username, upper-case MD5 of its password): what the HIS is configured with."""
    username = f"bench{facility}"
    done = hoso(database_url, "clients", "add-gateway", username, "--facility", facility)
    found = re.search(r"^password: (\S+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"hoso clients add-gateway failed: {done.stderr[-2000:]}")
    return username, md5_upper(found.group(1))


@dataclass
class Sender:
    """One HIS connection: its token, and what it saw."""

    client: httpx.Client
    username: str
    password_md5: str
    facility: str
    headers: dict[str, str] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)
    tokens: int = 0
    errors: list[str] = field(default_factory=list)

    def take_token(self) -> None:
        answer = self.client.post("/api/token/take", json={
            "username": self.username, "password": self.password_md5})  # fmt: skip
        body = answer.json()
        if answer.status_code != 200 or body.get("maKetQua") != "200":
            raise RuntimeError(f"token/take: HTTP {answer.status_code} {answer.text[:300]}")
        self.headers = {"accessToken": body["APIKey"]["access_token"],
                        "tokenId": body["APIKey"]["id_token"],
                        "passwordHash": self.password_md5}  # fmt: skip
        self.tokens += 1

    def send(self, data: bytes) -> None:
        body = {"username": self.username, "loaiHoSo": "130", "maTinh": self.facility[:2],
                "maCSKCB": self.facility,
                "fileHSBase64": base64.b64encode(data).decode()}  # fmt: skip
        started = time.perf_counter()
        answer = self.client.post(SUBMIT, json=body, headers=self.headers)
        if answer.status_code == 401:  # the token ran out: take another, send again
            self.take_token()
            answer = self.client.post(SUBMIT, json=body, headers=self.headers)
        self.seconds.append(time.perf_counter() - started)
        code = str(answer.json().get("maKetQua")) if answer.content else str(answer.status_code)
        self.answers[code] = self.answers.get(code, 0) + 1
        if code != "200" and len(self.errors) < 5:
            self.errors.append(f"HTTP {answer.status_code}: {answer.text[:500]}")


def send_all(base: str, files: list[Path], senders: int, account: tuple[str, str],
             facility: str) -> tuple[float, list[Sender]]:  # fmt: skip
    """Every file through `senders` concurrent connections; (wall seconds, senders)."""
    todo: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for path in files:
        todo.put(path)
    crew = [Sender(httpx.Client(base_url=base, timeout=600), *account, facility)
            for _ in range(senders)]  # fmt: skip
    start = threading.Barrier(senders + 1)

    def work(sender: Sender) -> None:
        sender.take_token()
        start.wait()
        while True:
            try:
                path = todo.get_nowait()
            except queue.Empty:
                return
            try:
                sender.send(path.read_bytes())
            except (httpx.HTTPError, ValueError, RuntimeError) as exc:
                sender.errors.append(repr(exc)[:300])

    threads = [threading.Thread(target=work, args=(s,)) for s in crew]
    for t in threads:
        t.start()
    start.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    for s in crew:
        s.client.close()
    return seconds, crew


def run(visits: int, database_url: str, *, senders: int = 8, facility: str = FACILITY,
        analyze_every: float = 20.0, label: str | None = None, files: Path | None = None,
        write: bool = True) -> dict[str, Any]:  # fmt: skip
    """Send `visits` visits of today (their files under `files`, default var/bench/)."""
    day = today()  # a facility's token writes recent care only
    made = day_files(visits, day, facility=facility, out=files)
    register_facility(database_url, facility)
    account = gateway_account(database_url, facility)
    log = VAR / f"gateway-server-{os.getpid()}.log"
    SERVER_ENV.update(CLAIM_WATCH_ENV)
    with server(database_url, log) as (base, pid), AutoAnalyze(database_url, analyze_every) as a:
        print(f"[gateway] hoso serve {base} (pid {pid}, {SERVER_WORKERS[0]} process(es)); "
              f"{visits} visits, {senders} senders", flush=True)  # fmt: skip
        load_before = [round(x, 2) for x in os.getloadavg()]
        seconds, crew = send_all(base, made.files, senders, account, facility)
        load_after = [round(x, 2) for x in os.getloadavg()]
    answers: dict[str, int] = {}
    for s in crew:
        for code, n in s.answers.items():
            answers[code] = answers.get(code, 0) + n
    accepted = answers.get("200", 0)
    latency = summarise([x for s in crew for x in s.seconds])
    command = "python -m bench.gateway_senders " + " ".join(sys.argv[1:])
    result = facts(
        "gateway-senders", database_url, command,
        measured=f"{senders} senders: POST /api/token/take, then POST {SUBMIT} per visit",
        label=label, server_processes=SERVER_WORKERS[0], senders=senders, visits=visits,
        server_environment=SERVER_ENV,
        load_average_before=load_before, load_average_after=load_after,
        statistics=a.describe(), answers=answers, tokens_taken=sum(s.tokens for s in crew),
        errors=[e for s in crew for e in s.errors][:10], seconds=round(seconds, 2),
        visits_per_s=round(accepted / seconds, 2), latency_ms=latency,
        target=f"≥ {TARGET:g} visits/s with 8 concurrent senders",
        meets_target=accepted / seconds >= TARGET and senders >= 8,
    )  # fmt: skip
    print(f"[gateway] {accepted}/{visits} accepted in {seconds:.1f} s: "
          f"{result['visits_per_s']} visits/s, p50 {latency.get('p50_ms')} ms, "
          f"p90 {latency.get('p90_ms')} ms; answers {answers}", flush=True)  # fmt: skip
    if write:
        write_result(f"gateway-{result['backend']}-{visits}" + (f"-{label}" if label else ""),
                     result)  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=200, help="3000 for the full run")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--server-workers", type=int, default=1, help="hoso serve --workers")
    parser.add_argument("--database-url", help=f"default: a fresh PostgreSQL {DATABASE}")
    parser.add_argument("--facility", default=FACILITY)
    parser.add_argument("--analyze-every", type=float, default=20.0,
                        help="seconds between ANALYZEs on PostgreSQL (0: none)")
    parser.add_argument("--label", help="written as gateway-…-LABEL.json (before/after)")
    args = parser.parse_args(argv)
    SERVER_WORKERS[0] = args.server_workers
    url = args.database_url or fresh_pg(DATABASE)
    result = run(args.visits, url, senders=args.senders, facility=args.facility,
                 analyze_every=args.analyze_every, label=args.label)  # fmt: skip
    return 0 if result["answers"].get("200", 0) == args.visits else 1


if __name__ == "__main__":
    sys.exit(main())
