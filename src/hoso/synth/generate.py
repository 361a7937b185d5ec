"""Running a generation: the care network first, then residents in fixed-size chunks.

A chunk of `CHUNK` consecutive residents depends only on (seed, chunk number), whichever
process builds it, and chunks are written in order, so the files are byte-identical for
one worker or several. Workers serialise their own chunk, which is where the time goes.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

from hoso.synth.chronic import CHRONIC_HEADER
from hoso.synth.elderly import ELDERLY_HEADER
from hoso.synth.eyes import ROSTER_HEADER
from hoso.synth.eyes import TRUTH_HEADER as EYES_HEADER
from hoso.synth.facilities import Network, build_network, network_resources
from hoso.synth.faults import check_faults
from hoso.synth.output import GROUND_TRUTH, Output, csv_bytes, dumps
from hoso.synth.people import HOUSEHOLD_SIZES, MAX_PEOPLE, household
from hoso.synth.resident import resident
from hoso.synth.sampling import NOW

GENERATOR_VERSION = "1"
CHUNK = 250  # residents per chunk: part of the output's definition, do not tune per run
TRUTH_HEADERS = {"elderly": ELDERLY_HEADER, "chronic": CHRONIC_HEADER, "eyes": EYES_HEADER,
                 "school_rosters": ROSTER_HEADER}  # fmt: skip
PARALLEL_FROM = 2_000  # smaller runs are faster in one process than starting a pool


@dataclass
class SynthReport:
    """What a run wrote: resources per type, their total, the time it took."""

    people: int
    seed: int
    counts: dict[str, int]
    total: int
    seconds: float
    files: list[Path] = field(default_factory=list)
    workers: int = 1

    @property
    def per_person(self) -> float:
        return self.total / self.people if self.people else 0.0

    @property
    def per_second(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class Chunk:
    people: int
    lines: dict[str, bytes]
    counts: dict[str, int]
    persons: bytes
    faults: bytes
    truth: dict[str, bytes] = field(default_factory=dict)  # more ground truth, by file


def build_chunk(net: Network, seed: int, rates: dict[str, float], k: int, people: int) -> Chunk:
    """Residents k*CHUNK … (k+1)*CHUNK-1, serialised, with their ground truth."""
    first, last = k * CHUNK, min(people, (k + 1) * CHUNK)
    rng = Random(f"{seed}:households:{k}")
    lines: dict[str, list[bytes]] = {}
    persons: list[tuple[str, ...]] = []
    faults: list[tuple[str, ...]] = []
    truth: dict[str, list[tuple[str, ...]]] = {}
    index = first
    while index < last:
        size = min(HOUSEHOLD_SIZES.pick(rng), last - index)
        for p in household(rng, index, size, seed, net):
            out = resident(p, net, seed, rates)
            for resource in out.resources:
                rtype = resource["resourceType"]
                found = lines.get(rtype)
                if found is None:
                    found = lines[rtype] = []
                found.append(dumps(resource))
            persons.extend(
                (pid, key, f"household-{p.household}", kind) for pid, key, kind in out.persons
            )
            faults.extend(out.faults)
            for name, rows in out.truth.items():
                truth.setdefault(name, []).extend(rows)
        index += size
    return Chunk(
        last - first,
        {t: b"\n".join(v) + b"\n" for t, v in lines.items()},
        {t: len(v) for t, v in lines.items()},
        csv_bytes(persons),
        csv_bytes(faults),
        {name: csv_bytes(rows) for name, rows in truth.items()},
    )


_WORKER: tuple[Network, int, dict[str, float], int] | None = None


def _init_worker(net: Network, seed: int, rates: dict[str, float], people: int) -> None:
    global _WORKER
    _WORKER = (net, seed, rates, people)


def _worker_chunk(k: int) -> Chunk:
    assert _WORKER is not None
    net, seed, rates, people = _WORKER
    return build_chunk(net, seed, rates, k, people)


def _chunks(
    net: Network, seed: int, rates: dict[str, float], people: int, workers: int
) -> Iterator[Chunk]:
    count = (people + CHUNK - 1) // CHUNK
    if workers <= 1 or count == 1:
        for k in range(count):
            yield build_chunk(net, seed, rates, k, people)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with context.Pool(workers, _init_worker, (net, seed, rates, people)) as pool:
        yield from pool.imap(_worker_chunk, range(count))  # imap keeps chunk order


def _check_people(people: int) -> None:
    if isinstance(people, bool) or not isinstance(people, int) or not 1 <= people <= MAX_PEOPLE:
        raise ValueError(
            f"Số người dân phải từ 1 đến {MAX_PEOPLE:,}, nhận được {people!r} / "
            f"The number of residents must be 1 to {MAX_PEOPLE:,}, got {people!r}"
        )


def generate(
    people: int,
    seed: int,
    out: Path,
    faults: dict[str, float] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int | None = None,
) -> SynthReport:
    """Write a synthetic population of `people` residents into `out`.

    `progress` is called with the number of residents done after each chunk; `workers`
    defaults to the cores available (at most 2) for large runs, and never changes the
    output.
    """
    _check_people(people)
    rates = check_faults(faults or {})
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if people >= PARALLEL_FROM else 1
    started = time.perf_counter()
    net = build_network(people, seed)
    output = Output(Path(out))
    try:
        batch: dict[str, list[bytes]] = {}
        for resource in network_resources(net):
            batch.setdefault(resource["resourceType"], []).append(dumps(resource))
        for rtype, lines in batch.items():
            output.resources(rtype, b"\n".join(lines) + b"\n", len(lines))
        done = 0
        for chunk in _chunks(net, seed, rates, people, workers):
            for rtype, data in chunk.lines.items():
                output.resources(rtype, data, chunk.counts[rtype])
            output.persons.write(chunk.persons)
            output.faults.write(chunk.faults)
            for name, rows in chunk.truth.items():
                output.truth(name, TRUTH_HEADERS[name], rows)
            done += chunk.people
            if progress:
                progress(done)
    finally:
        output.close()
    counts = dict(sorted(output.counts.items()))
    total = sum(counts.values())
    output.manifest({
        "generator": "hoso.synth",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "people": people,
        "faults": rates,
        "now": NOW.isoformat(),
        "counts": counts,
        "total": total,
        "resources_per_person": round(total / people, 2),
        "files": sorted(p.name for p in output.written if p.suffix == ".ndjson"),
        "ground_truth": sorted(f"{GROUND_TRUTH}/{p.name}" for p in output.written
                               if p.parent.name == GROUND_TRUTH),
    })  # fmt: skip
    return SynthReport(
        people, seed, counts, total, time.perf_counter() - started, output.written, workers
    )
