"""The exchange tests' national database: a second running Hồ Sơ per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exchange.national_server import NationalServer


@pytest.fixture
def national(tmp_path: Path) -> Iterator[NationalServer]:
    server = NationalServer(tmp_path)
    server.register_peer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
