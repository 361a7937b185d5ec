"""py-spy on a running `hoso serve`'s API processes, while a benchmark loads them.

`profiled(server_pid, stem, seconds)` samples every API process (the server's children,
or the server itself when it runs one) for `seconds`, only the thread holding the GIL
(with many request threads, the others mostly wait for it: their samples would show
where they wait, not what costs), into collapsed stacks
(`<stem>-<pid>.txt`, py-spy's raw format) and yields a dict it fills afterwards with the
hottest functions: the share of samples a function is on the stack (total) and at its
top (self), over all processes. The stacks load into speedscope or flamegraph.pl.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["api_processes", "hottest", "profiled"]

PY_SPY = Path(sys.executable).parent / "py-spy"


def api_processes(server_pid: int) -> list[int]:
    """The processes answering requests: the children (`--workers N`) or the server."""
    children: list[int] = []
    for task in Path(f"/proc/{server_pid}/task").glob("*/children"):
        children += [int(p) for p in task.read_text().split()]
    # uvicorn's multiprocess supervisor also starts a resource tracker: keep the workers.
    workers = [p for p in children if "resource_tracker" not in _cmdline(p)]
    return workers or [server_pid]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def hottest(stack_files: list[Path], top: int = 25) -> dict[str, Any]:
    """Total and self shares of the commonest functions over the collapsed stacks."""
    total: Counter[str] = Counter()
    own: Counter[str] = Counter()
    samples = 0
    for path in stack_files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n, frames = int(count), stack.split(";")
            samples += n
            for frame in set(frames):
                total[frame] += n
            own[frames[-1]] += n
    def share(c: Counter[str]) -> list[list[Any]]:
        return [[f, round(100 * n / samples, 1)] for f, n in c.most_common(top)]

    return {"samples": samples, "total_pct": share(total) if samples else [],
            "self_pct": share(own) if samples else []}  # fmt: skip


@contextmanager
def profiled(server_pid: int, stem: Path, seconds: float, *, enabled: bool = True
             ) -> Iterator[dict[str, Any]]:  # fmt: skip
    found: dict[str, Any] = {}
    if not enabled:
        yield found
        return
    stem.parent.mkdir(parents=True, exist_ok=True)
    spies, files = [], []
    for pid in api_processes(server_pid):
        out = stem.parent / f"{stem.name}-{pid}.txt"
        files.append(out)
        spies.append(subprocess.Popen(
            [str(PY_SPY), "record", "--pid", str(pid), "--duration", f"{seconds:.0f}",
             "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking",
             "--gil"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
    try:
        yield found
    finally:
        for spy in spies:
            spy.wait(timeout=seconds + 60)
        found.update(stacks=[str(f) for f in files], **hottest([f for f in files if f.exists()]))
