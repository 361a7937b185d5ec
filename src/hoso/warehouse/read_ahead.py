"""Batches of a stream read by a background thread while the caller works on the last
one: a build waits on the store (the network, the database's own CPU) and on DuckDB
(which releases the GIL while it runs), so reading the next page while the previous one
is flattened overlaps the two. The queue is bounded: memory stays at `depth` batches.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["batches_ahead"]

T = TypeVar("T")
_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def batches_ahead(rows: Iterable[T], size: int, depth: int = 3) -> Iterator[list[T]]:
    """`rows` in lists of `size`, read ahead by one thread; an error while reading is
    raised here, in the caller's thread; leaving early stops the reader."""
    found: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                found.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            batch: list[T] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= size:
                    if not put(batch):
                        return
                    batch = []
            if batch and not put(batch):
                return
            put(_END)
        except BaseException as exc:  # handed to the caller's thread, raised there
            put(_Failed(exc))

    reader = threading.Thread(target=read, name="warehouse-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = found.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join(timeout=10)
