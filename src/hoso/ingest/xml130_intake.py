"""XML 130 / 4750 through the one intake: a facility's GIAMDINHHS file (or its XML0
check-in document) parsed into one transaction Bundle per episode (`hoso.ingest.
xml130`), each written by `take_episode` as the sending facility, and the answer the
BHXH gateway gives a HIS (`maKetQua`, `maGiaoDich`, `thoiGianTiepNhan`, `thongDiep`),
with what became of each record and why.

The facility in the file (`MACSKCB`, and each record's `MA_CSKCB`) must be the caller's
own: a file for another facility is refused whole, before anything is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hoso.core.settings import Settings
from hoso.core.vi_format import HCMC
from hoso.fhir.repository import Repository
from hoso.ingest.intake import ACCEPTED, REJECTED, WITH_WARNINGS, IntakeResult, take_episode
from hoso.ingest.xml130 import Xml130Episode, Xml130File, Xml130Message, parse_checkin, parse_xml130

__all__ = ["FileAnswer", "RecordAnswer", "take_xml130"]


@dataclass
class RecordAnswer:
    ma_lk: str | None
    status: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"maLk": self.ma_lk, "trangThai": self.status, "thongBao": self.messages,
                "taiNguyen": self.written}  # fmt: skip


@dataclass
class FileAnswer:
    """What the gateway answers: 200 when every record was accepted (with or without
    warnings), 400 when the file or a record was refused."""

    records: list[RecordAnswer]
    messages: list[dict[str, Any]]
    transaction: str = field(default_factory=lambda: uuid.uuid4().hex)
    received: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def accepted(self) -> bool:
        return not self.messages_with("error") and all(r.status != REJECTED
                                                         for r in self.records)  # fmt: skip

    def messages_with(self, severity: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["mucDo"] == severity]

    def to_json(self) -> dict[str, Any]:
        counts = {s: sum(r.status == s for r in self.records)
                  for s in (ACCEPTED, WITH_WARNINGS, REJECTED)}  # fmt: skip
        summary = (f"Tiếp nhận {counts[ACCEPTED] + counts[WITH_WARNINGS]}/{len(self.records)} "
                   f"hồ sơ ({counts[WITH_WARNINGS]} có cảnh báo, {counts[REJECTED]} bị từ chối) / "
                   f"{counts[ACCEPTED] + counts[WITH_WARNINGS]} of {len(self.records)} records "
                   f"accepted ({counts[WITH_WARNINGS]} with warnings, {counts[REJECTED]} "
                   "rejected)")  # fmt: skip
        return {
            "maKetQua": "200" if self.accepted else "400",
            "maGiaoDich": self.transaction,
            "thoiGianTiepNhan": self.received.astimezone(HCMC).strftime("%Y%m%d%H%M%S"),
            "thongDiep": summary,
            "thongBao": self.messages,
            "danhSachHoSo": [r.to_json() for r in self.records],
        }


def _message(m: Xml130Message) -> dict[str, Any]:
    return {"bang": m.table, "dong": m.row, "truong": m.field, "mucDo": m.severity,
            "noiDung": f"{m.vi} / {m.en}"}  # fmt: skip


def _other_facility(found: str | None, caller: str | None) -> dict[str, Any] | None:
    if caller is None or found == caller:
        return None
    return _message(Xml130Message(
        "GIAMDINHHS", None, "MACSKCB", "error",
        f"hồ sơ của cơ sở {found or '(trống)'} không thuộc cơ sở gửi {caller}",
        f"the file is for facility {found or '(none)'}, not the sender's {caller}"))  # fmt: skip


def take_xml130(
    repo: Repository, data: bytes, *, settings: Settings, base_url: str,
    facility: str | None, checkin: bool = False,
) -> FileAnswer:  # fmt: skip
    """Parse and take a GIAMDINHHS file (or an XML0 check-in with `checkin`) as the
    facility `facility` (None: the operator, any facility)."""
    parsed: Xml130File = (parse_checkin if checkin else parse_xml130)(data, settings=settings)
    messages = [_message(m) for m in parsed.messages]
    refused = _other_facility(parsed.facility, facility)
    if refused is not None or any(m["mucDo"] == "error" for m in messages):
        return FileAnswer([], messages + ([refused] if refused else []))
    records = [_take(repo, episode, settings, base_url, facility) for episode in parsed.episodes]
    return FileAnswer(records, messages)


def _take(repo: Repository, episode: Xml130Episode, settings: Settings, base_url: str,
          facility: str | None) -> RecordAnswer:  # fmt: skip
    messages = [_message(m) for m in episode.messages]
    refused = _other_facility(episode.facility, facility)
    if refused is not None:
        return RecordAnswer(episode.ma_lk, REJECTED, [*messages, refused])
    if episode.bundle is None or any(m["mucDo"] == "error" for m in messages):
        return RecordAnswer(episode.ma_lk, REJECTED, messages)
    result: IntakeResult = take_episode(repo, episode.bundle, settings=settings,
                                        base_url=base_url,
                                        provenance=episode.provenance)  # fmt: skip
    messages += [{"bang": "FHIR", "dong": issue.entry, "truong": ",".join(issue.expression)
                  or None, "mucDo": issue.severity, "noiDung": issue.text}
                 for issue in result.issues]  # fmt: skip
    status = result.status
    if status == ACCEPTED and any(m["mucDo"] == "warning" for m in messages):
        status = WITH_WARNINGS
    return RecordAnswer(episode.ma_lk, status, messages, result.written)
