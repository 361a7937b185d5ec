"""What the parser hands back: the file, its episodes, and the findings for the HIS.

A finding names the table, the 1-based row and the field it is about, so that the
facility can fix the record in its own software; the text is Vietnamese first, then
English, as every message of Hồ Sơ meant for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"  # the episode is rejected: no Bundle
WARNING = "warning"  # the episode is accepted; the HIS should still fix it
INFORMATION = "information"  # what was found, nothing to fix (a valid signature)


@dataclass(frozen=True)
class Xml130Message:
    table: str
    row: int | None
    field: str | None
    severity: str
    vi: str
    en: str

    def __str__(self) -> str:
        where = self.table + (f" dòng {self.row}" if self.row is not None else "")
        where += f", {self.field}" if self.field else ""
        return f"{where}: {self.vi} / {self.en}"


@dataclass
class Xml130Episode:
    ma_lk: str | None
    facility: str | None
    messages: list[Xml130Message] = field(default_factory=list)
    bundle: dict | None = None
    source: bytes = b""
    # Server-written (no sender may forge one): the intake records it with the episode,
    # its references by the Bundle's fullUrls.
    provenance: dict | None = None


@dataclass
class Xml130File:
    facility: str | None
    episodes: list[Xml130Episode] = field(default_factory=list)
    messages: list[Xml130Message] = field(default_factory=list)


class Findings:
    """The messages of one scope (a file or an episode), collected as they are found."""

    def __init__(self) -> None:
        self.items: list[Xml130Message] = []

    def error(self, table: str, row: int | None, name: str | None, vi: str, en: str) -> None:
        self.items.append(Xml130Message(table, row, name, ERROR, vi, en))

    def warning(self, table: str, row: int | None, name: str | None, vi: str, en: str) -> None:
        self.items.append(Xml130Message(table, row, name, WARNING, vi, en))

    def information(self, table: str, row: int | None, name: str | None, vi: str,
                    en: str) -> None:  # fmt: skip
        self.items.append(Xml130Message(table, row, name, INFORMATION, vi, en))

    @property
    def rejected(self) -> bool:
        return any(m.severity == ERROR for m in self.items)
