"""A synthetic population with every kind of fault, generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoso.synth.generate import generate

FAULTS = {"typo": 0.1, "swap-dmy": 0.05, "missing-cccd": 0.1, "duplicate": 0.1}


@pytest.fixture(scope="session")
def faulty_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    generate(1500, 4242, out, FAULTS, workers=1)
    return out
