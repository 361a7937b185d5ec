"""MLLP (Minimal Lower Layer Protocol) listener: each message framed as
0x0B <message> 0x1C 0x0D on a TCP connection, answered by its ACK in the same framing.

The handler runs in a thread (it writes to the database); the reading side is
asyncio. A connection is robust to the ways senders misbehave: bytes before the start
block are dropped, a message may arrive in pieces or several in one read, a message
over `max_size` is answered AR and the connection closed, an idle connection is closed
after `idle_timeout`, and a connection closed mid-message only loses that message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from hoso.ingest.hl7v2.ack import ack
from hoso.ingest.hl7v2.message import Hl7Error

START, END = b"\x0b", b"\x1c\x0d"
MAX_SIZE = 10 * 1024 * 1024
log = logging.getLogger(__name__)


def frame(message: bytes) -> bytes:
    return START + message + END


def take_frames(buffer: bytearray) -> list[bytes]:
    """Remove and return the complete messages in `buffer`; what precedes a start block
    is dropped, an unfinished message stays."""
    messages = []
    while True:
        start = buffer.find(START)
        if start < 0:
            buffer.clear()  # nothing but noise
            return messages
        del buffer[:start]
        end = buffer.find(END, 1)
        if end < 0:
            return messages
        messages.append(bytes(buffer[1:end]))
        del buffer[: end + len(END)]


class MllpServer:
    def __init__(self, handle: Callable[[bytes], bytes], *, host: str = "127.0.0.1",
                 port: int = 2575, max_size: int = MAX_SIZE,
                 idle_timeout: float = 300.0) -> None:  # fmt: skip
        self.handle, self.host, self.port = handle, host, port
        self.max_size, self.idle_timeout = max_size, idle_timeout
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Start listening; returns the port (useful with port 0)."""
        self._server = await asyncio.start_server(self._connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:  # fmt: skip
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the peer went away or fell silent: its unfinished message is dropped
        except Exception:
            log.exception("MLLP connection failed")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _converse(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:  # fmt: skip
        buffer = bytearray()
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), self.idle_timeout)
            if not chunk:
                return  # closed; a partial message in `buffer` is dropped
            buffer += chunk
            for message in take_frames(buffer):
                if len(message) > self.max_size:
                    await self._refuse_too_big(writer, message)
                    return
                answer = await asyncio.to_thread(self._answer, message)
                writer.write(frame(answer))
                await writer.drain()
            if len(buffer) > self.max_size:
                await self._refuse_too_big(writer, bytes(buffer[1:]))
                return

    async def _refuse_too_big(self, writer: asyncio.StreamWriter, message: bytes) -> None:
        too_big = Hl7Error("MSH", "", "207", f"thông điệp vượt quá {self.max_size} byte",
                           f"message exceeds {self.max_size} bytes")  # fmt: skip
        # the header is enough to address the AR; the rest is not parsed
        writer.write(frame(ack(message[:4096], "AR", [too_big])))
        await writer.drain()

    def _answer(self, message: bytes) -> bytes:
        try:
            return self.handle(message)
        except Exception:
            log.exception("HL7 handler failed")
            return ack(message, "AR", [Hl7Error("MSH", "", "207", "lỗi xử lý nội bộ",
                                                "application internal error")])  # fmt: skip
