"""Booking clients for `bench.booking`: each client is a thread acting as one resident at
a time (a resident's token: role `resident`, `patients` = that resident), calling
`BookingService.book` as the API would (`hoso.assembly.booking_service` over the
resident's own access repository, audited). Clients run in several processes so that
both cores run Python (one process is held to one core by the GIL).

Two workloads: `closed` (each client books as fast as it can until a deadline, each
booking for its next own resident) and `rush` (residents arrive at fixed instants;
the first free client takes the next arrival and tries up to `tries` Slots).
Each attempt is recorded as (start offset s, latency s, outcome).
"""

from __future__ import annotations

import queue
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

CONFLICT, BOOKED, ERROR = "conflict", "booked", "error"


@dataclass(frozen=True)
class ClientJob:
    database_url: str
    kind: str  # closed | rush
    threads: int
    barrier: Any  # a Manager's Barrier: every process has opened its store before any starts
    residents: list[list[str]]  # closed: each thread's own residents
    arrivals: list[tuple[float, str]]  # rush: (offset s, resident)
    slots: list[str]
    seconds: float  # closed: how long
    tries: int = 3
    seed: int = 0


def run_job(job: ClientJob) -> list[tuple[float, float, str, str]]:
    """Every attempt of this process's clients: (offset s, latency s, outcome, detail)."""
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import open_store, pseudonym_key
    from hoso.store.sql_store import SqlAuditLog

    store = open_store(job.database_url)
    key = pseudonym_key(store)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    samples: list[tuple[float, float, str, str]] = []
    lock = threading.Lock()
    arrivals: queue.Queue[tuple[float, str]] = queue.Queue()
    for arrival in job.arrivals:
        arrivals.put(arrival)
    _booker(store, trail, key)  # imports done before the start
    job.barrier.wait()
    start_at = time.time() + 0.2  # the same instant in every process, to a few ms

    def client(n: int) -> None:
        rng = random.Random(f"{job.seed}:{n}")
        mine: list[tuple[float, float, str, str]] = []
        book = _booker(store, trail, key)
        time.sleep(max(0.0, start_at - time.time()))
        if job.kind == "closed":
            deadline = start_at + job.seconds
            for resident in job.residents[n]:
                if time.time() >= deadline:
                    break
                mine.append(_attempt(book, resident, rng.choice(job.slots), start_at))
        else:
            _rush_client(book, arrivals, job, rng, mine, start_at)
        with lock:
            samples.extend(mine)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(job.threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    trail.close()
    store.engine.dispose()
    return samples


Sample = tuple[float, float, str, str]  # offset s, latency s, outcome, detail


def _rush_client(book: Any, arrivals: queue.Queue[tuple[float, str]], job: ClientJob,
                 rng: random.Random, mine: list[Sample], start_at: float) -> None:  # fmt: skip
    # A resident arriving at `offset` waits for a free client (as a request waits for
    # a server worker): its attempts are timed from when they start, the wait reported
    # apart (detail "late:<s>").
    while True:
        try:
            offset, resident = arrivals.get_nowait()
        except queue.Empty:
            return
        time.sleep(max(0.0, start_at + offset - time.time()))
        late = time.time() - (start_at + offset)
        for _ in range(job.tries):
            sample = _attempt(book, resident, rng.choice(job.slots), start_at)
            mine.append((*sample[:3], f"late:{late:.3f}"))
            if sample[2] != CONFLICT:
                break


def _booker(store: Any, trail: Any, key: bytes) -> Any:
    from hoso.access import claims as roles
    from hoso.access.claims import AccessClaims
    from hoso.access.principal import Principal
    from hoso.access.scopes import ScopeSet
    from hoso.assembly import booking_service, repository_for
    from hoso.booking.service import BookRequest

    scopes = ("patient/*.rs",)

    def book(resident: str, slot_id: str) -> dict[str, Any]:
        # the resident's own token, as the portal's would be: one repository per request
        claims = AccessClaims(subject=f"bench:{resident}", role=roles.RESIDENT, scopes=scopes,
                              client_id="bench-booking", token_id=f"t-{resident}",
                              expires_at=2**31 - 1)  # fmt: skip
        principal = Principal(claims, ScopeSet.parse(scopes), patients=frozenset({resident}))
        repo = repository_for(store, principal, trail, key=key)
        service = booking_service(repo)
        return service.book(BookRequest(resident, slot_id=slot_id, channel="app"))  # type: ignore[no-any-return]

    return book


def _attempt(book: Any, resident: str, slot_id: str, start_at: float
             ) -> tuple[float, float, str, str]:  # fmt: skip
    from hoso.core.errors import Conflict

    started = time.perf_counter()
    offset = time.time() - start_at
    try:
        book(resident, slot_id)
        outcome, detail = BOOKED, ""
    except Conflict as exc:
        outcome, detail = CONFLICT, str(exc)[:80]
    except Exception as exc:  # counted, never hidden: the bench reports every error
        outcome, detail = ERROR, f"{type(exc).__name__}: {str(exc)[:200]}"
    return offset, time.perf_counter() - started, outcome, detail
