"""Running `hoso` as a user runs it: `python -m hoso.cli` in a fresh process, against
the test's database (SQLite and PostgreSQL through the root `database_url` fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOSO = [sys.executable, "-m", "hoso.cli"]


def hoso(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command's result; `env` adds variables. HOSO_BASE_URL is dropped so that
    commands name the default server (http://127.0.0.1:8000), and the working directory
    is the repository's, where relative defaults (var/) are ignored by Git."""
    environment = {**os.environ, "HOSO_DATABASE_URL": database_url, **env}
    environment.pop("HOSO_BASE_URL", None)
    return subprocess.run(
        [*HOSO, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
