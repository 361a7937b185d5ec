"""Running the API in several processes (`hoso serve --workers N`).

uvicorn's own multi-process path binds the listening socket with `proto` 0; accepted
sockets inherit it, asyncio then leaves Nagle's algorithm on, and every keep-alive
response after the first waits ~40 ms for the client's delayed ACK (uvicorn issue
#3149, open; measured here: 48 ms per read with two processes against 2.4 ms with one).
So the socket is bound here with IPPROTO_TCP and handed to uvicorn's supervisor.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP_FACTORY = "hoso.api.app:app_from_env"


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve_processes(host: str, port: int, workers: int) -> None:
    """`workers` processes, each building its app from the environment."""
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        loop="uvloop",
        http="httptools",
        access_log=False,  # query strings carry names and CCCDs (see app.AccessLog)
    )
    Multiprocess(config, sockets=[listening_socket(host, port)]).run()
