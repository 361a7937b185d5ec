"""`hoso serve` (hoso.cli.serve): the base URL it names itself by."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_serve_names_itself_by_its_host_and_port() -> None:
    from hoso.cli import local_base_url

    assert local_base_url("127.0.0.1", 8801) == "http://127.0.0.1:8801"
    assert local_base_url("0.0.0.0", 8801) == "http://127.0.0.1:8801"
    assert local_base_url("::", 8801) == "http://[::1]:8801"
    assert local_base_url("::1", 9000) == "http://[::1]:9000"


def test_only_the_embedded_default_is_the_demo_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Demo residents go into the newcomer's SQLite under ./var, never into a database
    an operator made (PostgreSQL, or a SQLite file elsewhere) unless asked."""
    import sqlalchemy as sa

    from hoso.cli.serve import is_embedded_default

    monkeypatch.chdir(tmp_path)
    assert is_embedded_default(sa.make_url("sqlite:///var/hoso.db"))
    assert is_embedded_default(sa.make_url(f"sqlite:///{tmp_path}/var/other.db"))
    assert not is_embedded_default(sa.make_url(f"sqlite:///{tmp_path}/hoso.db"))
    assert not is_embedded_default(sa.make_url("sqlite:///var/../elsewhere.db"))
    assert not is_embedded_default(sa.make_url("sqlite://"))  # in memory
    assert not is_embedded_default(sa.make_url("postgresql+psycopg://u@h/var"))
