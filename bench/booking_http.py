"""The booking bench through the real HTTP API (`bench.booking --parts http`): a
`hoso serve` subprocess (`--workers`, uvicorn processes as `hoso serve` runs them) on
the bench's database, then

- `GET /fhir/Appointment/$find` over every facility for 14 days, per service type and
  with none (≥200 calls, one client, sequential): p50/p95;
- `POST /fhir/Appointment/$book` from 64 concurrent clients (threads; the client side
  is I/O), each for its own residents, for `--seconds`: bookings/s.

Every call carries the operator's token (`hoso token`), the residents named by
`patient-reference`: minting a resident's token per booking would cost a process each.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from bench import latency
from bench.booking_clients import BOOKED, CONFLICT, ERROR
from hoso.core.clock import VN_TZ

HTTP_FIRST = 200_000  # resident indices of the HTTP bookings


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def find_over_http(client: httpx.Client, base: str, token: str, calls: int,
                   types: tuple[str, ...]) -> dict[str, Any]:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    kinds = [None, *types]
    timings: dict[str, list[float]] = {k or "(any)": [] for k in kinds}
    statuses: dict[int, int] = {}
    for call in range(calls + len(kinds)):  # the first round warms up
        kind = kinds[call % len(kinds)]
        now = datetime.now(VN_TZ)
        params = {"start": _instant(now), "end": _instant(now + timedelta(days=14)),
                  "_count": "10"}  # fmt: skip
        if kind:
            params["specialty"] = kind
        started = time.perf_counter()
        answer = client.get(f"{base}/fhir/Appointment/$find", params=params, headers=headers)
        elapsed = time.perf_counter() - started
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if call >= len(kinds):
            timings[kind or "(any)"].append(elapsed)
    return {"timings": timings, "statuses": statuses}


def book_over_http(base: str, token: str, clients: int, per_client: int, seconds: float,
                   slots: list[str]) -> list[tuple[float, float, str, str]]:  # fmt: skip
    samples: list[tuple[float, float, str, str]] = []
    lock = threading.Lock()
    start_at = time.time() + 1.0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json",
               "Accept": "application/fhir+json"}  # fmt: skip

    def client(n: int) -> None:
        rng, mine = random.Random(f"http:{n}"), []
        with httpx.Client(timeout=60) as http:
            time.sleep(max(0.0, start_at - time.time()))
            for k in range(per_client):
                if time.time() >= start_at + seconds:
                    break
                resident = f"bench-{HTTP_FIRST + n * per_client + k:07d}"
                body = {"resourceType": "Parameters", "parameter": [
                    {"name": "slot-reference", "valueReference": {
                        "reference": f"Slot/{rng.choice(slots)}"}},
                    {"name": "patient-reference", "valueReference": {
                        "reference": f"Patient/{resident}"}},
                    {"name": "channel", "valueCode": "app"}]}  # fmt: skip
                offset, started = time.time() - start_at, time.perf_counter()
                try:
                    answer = http.post(f"{base}/fhir/Appointment/$book", json=body,
                                       headers=headers)  # fmt: skip
                    status = answer.status_code
                    outcome = BOOKED if status == 200 else CONFLICT if status == 409 else ERROR
                    detail = "" if outcome != ERROR else f"{status} {answer.text[:160]}"
                except httpx.HTTPError as exc:
                    outcome, detail = ERROR, f"{type(exc).__name__}: {exc}"[:200]
                mine.append((offset, time.perf_counter() - started, outcome, detail))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def serve_and_measure(database_url: str, workers: int, find_calls: int, types: tuple[str, ...],
                      clients: int, per_client: int, seconds: float, slots: list[str]
                      ) -> dict[str, Any]:  # fmt: skip
    token = latency.mint_token(database_url, "system/*.cruds")
    latency.SERVER_WORKERS[0] = workers
    log = latency.VAR / "server-booking.log"
    with latency.server(database_url, log) as (base, _pid), httpx.Client(timeout=60) as http:
        found = find_over_http(http, base, token, find_calls, types)
        samples = book_over_http(base, token, clients, per_client, seconds, slots)
    return {"find": found, "book": samples, "server_workers": workers}
