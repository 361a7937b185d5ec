"""Ingest fixtures: NDJSON files (the stores are the root conftest's)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest


@pytest.fixture
def write_ndjson(tmp_path: Path) -> Callable[[str, list[Any]], Path]:
    """Write resources (dicts, or raw lines as str) to tmp_path/<name>.ndjson."""

    def write(name: str, lines: list[Any]) -> Path:
        path = tmp_path / f"{name}.ndjson"
        with path.open("wb") as f:
            for line in lines:
                f.write(line.encode() if isinstance(line, str) else orjson.dumps(line))
                f.write(b"\n")
        return path

    return write
