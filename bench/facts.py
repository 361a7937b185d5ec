"""Facts recorded beside every benchmark figure: the machine, the database, the server's
memory. A figure without them cannot be compared with another run."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hoso.store.engine import make_engine


def process_memory(pid: int) -> dict[str, int]:
    """Resident and peak resident memory of a process, in MiB."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[{"VmRSS": "rss_mib", "VmHWM": "peak_rss_mib"}[key]] = (
                    int(value.split()[0]) // 1024
                )
    except OSError:
        pass
    return found


def database_facts(database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    facts: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            facts["resources"] = conn.execute(
                sa.text("SELECT resource_type, count(*) FROM resource GROUP BY resource_type")
            ).all()
            facts["resources"] = {t: n for t, n in facts["resources"]}
            if engine.dialect.name == "postgresql":
                facts["server_version"] = conn.execute(sa.text("SHOW server_version")).scalar()
                facts["size_mib"] = round(
                    conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
                    / 2**20
                )
                facts["settings"] = {
                    k: conn.execute(sa.text(f"SHOW {k}")).scalar()
                    for k in (
                        "shared_buffers",
                        "work_mem",
                        "effective_cache_size",
                        "synchronous_commit",
                        "lc_collate",
                    )
                }
            else:
                facts["server_version"] = sqlite3.sqlite_version
                path = Path(engine.url.database or "")
                facts["size_mib"] = round(
                    sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
                )
    finally:
        engine.dispose()
    return facts


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


# -- one backend ----------------------------------------------------------------------
