"""A second running Hồ Sơ standing in as the national health record database: its own
SQLite file, a real `hoso serve` process, a peer client registered with
`hoso clients add-peer`, and an operator token to look at what arrived."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hoso(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "hoso.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class NationalServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db_file = folder / "national.db"
        self.database_url = f"sqlite:///{self.db_file}"
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.fhir = f"{self.origin}/fhir"
        self.key_file = folder / "peer-key.json"
        self.process: subprocess.Popen[bytes] | None = None
        self._token: str | None = None
        self.env = {"HOSO_DATABASE_URL": self.database_url, "HOSO_BASE_URL": self.origin,
                    "HOSO_AUDIT_SPOOL_DIR": str(folder / "spool")}  # fmt: skip

    def register_peer(self) -> None:
        hoso("db", "upgrade", env=self.env)
        hoso("clients", "add-peer", "--name", "Hồ Sơ TP.HCM", "--key-out", str(self.key_file),
             "--base-url", self.origin, env=self.env)  # fmt: skip

    def start(self) -> None:
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hoso.cli", "serve", "--port", str(self.port),
             "--no-demo-data", "--no-sync"],
            env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(300):
            try:
                if httpx.get(f"{self.fhir}/metadata", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the national server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def token(self) -> str:
        if self._token is None:
            out = hoso("token", "--scope", "system/*.*", "--audience", self.fhir, env=self.env)
            self._token = out.strip().splitlines()[-1]
        return self._token

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = httpx.get(f"{self.fhir}/{path}", params=params, timeout=30,
                           headers={"Authorization": f"Bearer {self.token()}"})  # fmt: skip
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def search(self, resource_type: str, **params: Any) -> list[dict[str, Any]]:
        bundle = self.get(resource_type, _count="1000", **params)
        return [e["resource"] for e in bundle.get("entry") or []]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Straight from its database file: what arrived, every version of it."""
        with sqlite3.connect(self.db_file) as conn:
            return list(conn.execute(sql))
