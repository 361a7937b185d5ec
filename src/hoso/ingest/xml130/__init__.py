"""XML 130 / 4750 in: a facility's GIAMDINHHS file → one FHIR transaction Bundle per
episode (HOSO), with messages for the HIS (issue 16).

Pure: no HTTP, no database. The caller feeds each Bundle to the transaction processor
(`hoso.fhir.transaction.process_bundle`). Nothing raises out of `parse_xml130` or
`parse_checkin`: a bad file is a file-level error message, a bad record an episode
whose Bundle is None. The mapping decisions are in each table's module docstring
(context.py: identifiers; services.py: XML3; bundle.py: cross-table checks;
signature.py: the facility's signature, CHUKYDONVI).
"""

from __future__ import annotations

from hoso.core.settings import Settings
from hoso.ingest.xml130.bundle import map_episode
from hoso.ingest.xml130.checkin import map_checkin
from hoso.ingest.xml130.messages import Findings, Xml130Episode, Xml130File, Xml130Message
from hoso.ingest.xml130.signature import check_signature
from hoso.ingest.xml130.wrapper import XmlRefused, parse_document, text_of

__all__ = ["Xml130Episode", "Xml130File", "Xml130Message", "parse_checkin", "parse_xml130"]

ROOT = "GIAMDINHHS"


def parse_xml130(
    data: bytes, *, settings: Settings, max_bytes: int = 64 * 1024 * 1024
) -> Xml130File:
    findings = Findings()
    if len(data) > max_bytes:
        findings.error("GIAMDINHHS", None, None,
                       f"tệp {len(data)} byte, vượt giới hạn {max_bytes} byte",
                       f"file of {len(data)} bytes exceeds the {max_bytes}-byte limit")  # fmt: skip
        return Xml130File(None, [], findings.items)
    try:
        root = parse_document(data)
    except XmlRefused as exc:
        findings.error("GIAMDINHHS", None, None, exc.vi, exc.en)
        return Xml130File(None, [], findings.items)
    if root.tag != ROOT:
        findings.error(root.tag, None, None, f"phần tử gốc phải là {ROOT}",
                       f"root element must be {ROOT}")  # fmt: skip
        return Xml130File(None, [], findings.items)
    facility = text_of(root, "THONGTINDONVI/MACSKCB")
    if facility is None:
        findings.error("THONGTINDONVI", None, "MACSKCB", "thiếu mã cơ sở KBCB",
                       "facility code missing")  # fmt: skip
    records = root.findall("THONGTINHOSO/DANHSACHHOSO/HOSO")
    if not records:
        findings.error("DANHSACHHOSO", None, "HOSO", "không có hồ sơ nào", "no record in file")
    # One signature covers the whole file: checked once, reported on every record.
    signature = check_signature(data, root)
    episodes = []
    for hoso in records:
        try:
            episodes.append(map_episode(hoso, facility, settings, signature))
        except Exception as exc:
            episode = Xml130Episode(None, facility, [], None, b"")
            episode.messages.append(Xml130Message(
                "HOSO", None, None, "error", "lỗi nội bộ khi đọc hồ sơ",
                f"internal error reading the record: {type(exc).__name__}"))  # fmt: skip
            episodes.append(episode)
    return Xml130File(facility, episodes, findings.items)


def parse_checkin(data: bytes, *, settings: Settings) -> Xml130File:
    try:
        return map_checkin(data, settings)
    except Exception as exc:
        message = Xml130Message(
            "XML0",
            None,
            None,
            "error",
            "lỗi nội bộ khi đọc check-in",
            f"internal error reading the check-in: {type(exc).__name__}",
        )
        return Xml130File(None, [], [message])
