"""Reading ahead keeps order, hands a reader's error to the caller, and stops the reader
when the caller leaves early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from hoso.warehouse.read_ahead import batches_ahead


def test_batches_in_order_and_the_last_one_short() -> None:
    assert list(batches_ahead(range(10), 4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert list(batches_ahead([], 4)) == []


def test_an_error_while_reading_is_raised_to_the_caller() -> None:
    def rows() -> Iterator[int]:
        yield 1
        raise OSError("the store went away")

    with pytest.raises(OSError, match="went away"):
        list(batches_ahead(rows(), 1))


def test_leaving_early_stops_the_reader() -> None:
    read = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            read.append(n)
            yield n
            n += 1

    ahead = batches_ahead(endless(), 10, depth=2)
    assert next(ahead) == list(range(10))
    ahead.close()
    assert not any(t.name == "warehouse-read-ahead" for t in threading.enumerate())
    assert len(read) <= 10 * 4  # the batch taken, the queue's two, the one being filled
