"""Runs of the synthetic population generator, shared by the tests of one worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from hoso.synth import SynthReport, generate

FAULT_RATES = {"typo": 0.05, "swap-dmy": 0.04, "missing-cccd": 0.03, "duplicate": 0.05}


def read_ndjson(directory: Path, resource_type: str) -> list[dict[str, Any]]:
    path = directory / f"{resource_type}.ndjson"
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def read_all(directory: Path) -> list[dict[str, Any]]:
    return [
        orjson.loads(line)
        for path in sorted(directory.glob("*.ndjson"))
        for line in path.read_bytes().splitlines()
    ]


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport]:
    """200 residents, no faults."""
    out = tmp_path_factory.mktemp("synth-small")
    return out, generate(200, 5, out, workers=1)


@pytest.fixture(scope="session")
def faulted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport]:
    """1,500 residents with every fault at a few per cent."""
    out = tmp_path_factory.mktemp("synth-faulted")
    return out, generate(1500, 12, out, FAULT_RATES, workers=1)
