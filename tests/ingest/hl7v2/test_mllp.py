"""The MLLP listener on a free port, with real socket clients and a fake intake."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import hl7
import pytest

from hoso.core.settings import Settings
from hoso.ingest.hl7v2 import MllpServer, make_handler
from hoso.ingest.hl7v2.mllp import END, START, frame, take_frames
from tests.ingest.hl7v2.messages import ADT_A01, FACILITY, ORU_R01, VXU_V04, adt
from tests.ingest.hl7v2.test_ack import FakeIntake

SETTINGS = Settings(database_url="sqlite://")


@contextmanager
def listening(handle: Callable[[bytes], bytes], **options: float) -> Iterator[int]:
    """The server on its own event loop in a thread; yields its port."""
    loop = asyncio.new_event_loop()
    server = MllpServer(handle, port=0, **options)  # type: ignore[arg-type]
    port = loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture
def port(intake: FakeIntake) -> Iterator[int]:
    with listening(make_handler(intake, settings=SETTINGS, facility=FACILITY)) as bound:
        yield bound


def _connect(port: int) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    return client


def _answers(client: socket.socket, count: int = 1) -> list[hl7.Message]:
    data = b""
    while data.count(END) < count:
        chunk = client.recv(65536)
        if not chunk:
            break
        data += chunk
    return [hl7.parse(m.decode("utf-8")) for m in take_frames(bytearray(data))]


def test_one_message(port: int, intake: FakeIntake) -> None:
    with _connect(port) as client:
        client.sendall(frame(ADT_A01.encode()))
        (answer,) = _answers(client)
    assert str(answer.segment("MSA")) == "MSA|AA|ADT0001"
    assert len(intake.taken) == 1


def test_message_split_in_three_sends(port: int) -> None:
    data = frame(ORU_R01.encode())
    third = len(data) // 3
    with _connect(port) as client:
        for piece in (data[:third], data[third : 2 * third], data[2 * third :]):
            client.sendall(piece)
            time.sleep(0.05)
        (answer,) = _answers(client)
    assert str(answer.segment("MSA")) == "MSA|AA|LAB0001"


def test_two_messages_in_one_send(port: int, intake: FakeIntake) -> None:
    with _connect(port) as client:
        client.sendall(frame(ADT_A01.encode()) + frame(VXU_V04.encode()))
        first, second = _answers(client, 2)
    assert (first["MSA.F2"], second["MSA.F2"]) == ("ADT0001", "VAC0001")
    assert len(intake.taken) == 2


def test_garbage_before_the_start_block_is_dropped(port: int) -> None:
    with _connect(port) as client:
        client.sendall(b"\r\n\x00noise" + frame(ADT_A01.encode()))
        (answer,) = _answers(client)
    assert answer["MSA.F1"] == "AA"


def test_connection_closed_mid_message_then_a_new_one_works(port: int, intake: FakeIntake) -> None:
    with _connect(port) as client:
        client.sendall(frame(ADT_A01.encode())[:40])
    time.sleep(0.1)
    with _connect(port) as client:
        client.sendall(frame(ADT_A01.encode()))
        (answer,) = _answers(client)
    assert answer["MSA.F1"] == "AA" and len(intake.taken) == 1


def test_other_character_set_is_ar(port: int, intake: FakeIntake) -> None:
    with _connect(port) as client:
        client.sendall(frame(adt("A04", charset="8859/1").encode()))
        (answer,) = _answers(client)
    assert answer["MSA.F1"] == "AR" and answer["ERR.F2.R1.C3"] == "18"
    assert intake.taken == []


def test_other_facility_is_ar(port: int, intake: FakeIntake) -> None:
    with _connect(port) as client:
        client.sendall(frame(adt("A04", facility="79999").encode()))
        (answer,) = _answers(client)
    assert answer["MSA.F1"] == "AR" and answer["ERR.F2.R1.C3"] == "4"
    assert intake.taken == []


def test_message_over_the_size_limit_is_ar_and_closed(intake: FakeIntake) -> None:
    handle = make_handler(intake, settings=SETTINGS, facility=FACILITY)
    with listening(handle, max_size=2048) as bound, _connect(bound) as client:
        client.sendall(START + ADT_A01.encode() + b"NTE|1||" + b"x" * 4096)
        (answer,) = _answers(client)
        assert answer["MSA.F1"] == "AR" and answer["MSA.F2"] == "ADT0001"
        assert client.recv(10) == b""  # closed
    assert intake.taken == []


def test_idle_connection_is_closed(intake: FakeIntake) -> None:
    handle = make_handler(intake, settings=SETTINGS, facility=FACILITY)
    with listening(handle, idle_timeout=0.2) as bound, _connect(bound) as client:
        assert client.recv(10) == b""


def test_a_failing_handler_answers_ar_and_keeps_serving() -> None:
    def broken(raw: bytes) -> bytes:
        raise RuntimeError("database down")

    with listening(broken) as bound:
        for _ in range(2):
            with _connect(bound) as client:
                client.sendall(frame(ADT_A01.encode()))
                (answer,) = _answers(client)
                assert str(answer.segment("MSA")) == "MSA|AR|ADT0001"


def test_take_frames_keeps_an_unfinished_message() -> None:
    buffer = bytearray(b"xx" + frame(b"A") + START + b"B")
    assert take_frames(buffer) == [b"A"]
    assert buffer == START + b"B"
