"""Running the API in several processes (`hoso serve --workers N`).

uvicorn's own multi-process path binds the listening socket with `proto` 0; accepted
sockets inherit it, asyncio then leaves Nagle's algorithm on, and every keep-alive
response after the first waits ~40 ms for the client's delayed ACK (uvicorn issue
#3149, open; measured here: 48 ms per read with two processes against 2.4 ms with one).
So the socket is bound here with IPPROTO_TCP and handed to uvicorn's supervisor.

Each serving process, once its app is built, moves what it holds out of the cyclic
garbage collector's reach (`settle_heap`): a full collection walked every object the
process had built to start (routes, models, code lists) and took 110–160 ms, every few
requests that build large answers (a ten-year health book parses ~800 resources): the
book's p90 went from 182 to 49 ms (docs/performance.md, the health book).
"""

from __future__ import annotations

import gc
import socket

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

APP_FACTORY = "hoso.api.serving:serving_app"


def settle_heap() -> None:
    """Collect once, then freeze what survives (the app and everything it built), so
    that full collections walk only what requests allocate. For serving processes
    only: a frozen object that later becomes cyclic garbage is never collected, which a
    long-lived app never does, but a test suite building app after app would."""
    gc.collect()
    gc.freeze()


def serving_app() -> FastAPI:
    """The app of one of several server processes, its heap settled."""
    from hoso.api.app import app_from_env

    app = app_from_env()
    settle_heap()
    return app


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
