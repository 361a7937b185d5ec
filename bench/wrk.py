"""Throughput with `wrk` (C, epoll), for rates a Python client cannot generate.

    used by `bench.latency --generator wrk`

Python client threads share the GIL and the same two cores as the servers: past about a
thousand requests a second they measure themselves. `wrk` sends pre-drawn requests
(the same draws as the Python client: a seeded list, written to a file) from two
threads over `clients` keep-alive connections, and reports the rate and the latency
distribution. Non-2xx answers are counted as errors.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["available", "run_wrk"]

# Each thread starts at its own place in the list and walks it round.
LUA = r"""
local requests = {}
local position = 0
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
end

init = function(args)
  local token = args[2]
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%u+)\t([^\t]*)\t(.*)$")
    local headers = {["Authorization"] = "Bearer " .. token}
    if body ~= "" then
      headers["Content-Type"] = "application/fhir+json"
    else
      body = nil
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  position = (thread_number or 1) * 997 % #requests
end

request = function()
  position = position % #requests + 1
  return requests[position]
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * _UNITS[unit], 2)


def parse(output: str) -> dict[str, Any]:
    """The rate, percentiles and errors from `wrk --latency` output."""
    stats: dict[str, Any] = {}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    stats["requests_per_s"] = round(float(rate.group(1)), 1) if rate else 0.0
    for label, key in (("50%", "p50_ms"), ("90%", "p90_ms"), ("99%", "p99_ms")):
        found = re.search(rf"^\s+{label}\s+([\d.]+(?:us|ms|s))\s*$", output, re.MULTILINE)
        if found:
            stats[key] = _ms(found.group(1))
    done = re.search(r"(\d+) requests in ([\d.]+)s", output)
    if done:
        stats["n"], stats["seconds"] = int(done.group(1)), float(done.group(2))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: (.*)", output)
    stats["errors"] = int(bad.group(1)) if bad else 0
    if sockets:
        stats["socket_errors"] = sockets.group(1).strip()
    return stats


def run_wrk(
    base_url: str,
    requests: Sequence[tuple[str, str, dict[str, Any] | None]],
    token: str,
    clients: int,
    seconds: float,
    threads: int = 2,
) -> dict[str, Any]:
    """`requests` as (method, path with query, JSON body or None), sent round-robin."""
    with tempfile.TemporaryDirectory(prefix="hoso-wrk-") as tmp:
        listing, script = Path(tmp) / "requests.tsv", Path(tmp) / "requests.lua"
        with listing.open("w", encoding="utf-8") as f:
            for method, path, body in requests:
                text = json.dumps(body, ensure_ascii=False) if body else ""
                f.write(f"{method}\t{path}\t{text}\n")
        script.write_text(LUA)
        command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds:.0f}s", "--latency",
                   "--timeout", "30s", "-s", str(script), base_url,
                   "--", str(listing), token]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    stats = parse(done.stdout)
    stats.update(clients=clients, generator="wrk", requests_drawn=len(requests))
    return stats


def drawn(draw: Callable[[Any], Any], rng: Any, count: int) -> list[tuple[str, str, Any]]:
    """`count` requests from a `bench.latency` target, as `run_wrk` takes them."""
    from urllib.parse import urlencode

    out = []
    for _ in range(count):
        r = draw(rng)
        query = f"?{urlencode(r.params)}" if r.params else ""
        out.append((r.method, f"{r.path}{query}", r.body))
    return out
