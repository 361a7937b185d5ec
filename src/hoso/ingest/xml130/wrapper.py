"""Reading the GIAMDINHHS wrapper and the tables it carries, without trusting the file.

The XML is parsed by `defusedxml` with every DTD feature refused: a DOCTYPE, an entity
declaration or an external entity stops the parse before anything is expanded or
fetched (billion laughs, XXE, external DTDs). The bytes
must be UTF-8 whatever the XML declaration says: QĐ 130 prescribes UTF-8, and a
legacy code page (TCVN3, Windows-1258) would turn Vietnamese names into garbage.

A table is a base64 document in NOIDUNGFILE; its rows are the elements whose children
are all leaves (TONG_HOP itself for XML1, each CHI_TIET_THUOC for XML2, …), so a vendor
that names the list element differently still parses; a signature (`CHUKYDONVI`, the
XML-DSig elements) is never read as a row.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused

from hoso.ingest.xml130.messages import Findings

Row = dict[str, str]


class XmlRefused(Exception):
    """The document cannot be read; `vi` and `en` say why."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


def parse_document(data: bytes) -> ET.Element:
    """The element tree of `data`; raises XmlRefused for anything not plain UTF-8 XML."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XmlRefused(
            f"tệp không phải UTF-8 (byte {exc.start})", f"not UTF-8 (byte {exc.start})"
        ) from None
    try:
        return defused.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)  # fmt: skip
    except DefusedXmlException:
        raise XmlRefused(
            "tệp có khai báo DOCTYPE/ENTITY, không được phép",
            "DOCTYPE or ENTITY declarations are not allowed",
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise XmlRefused(
            f"XML không hợp lệ, dòng {line} cột {column}: {exc}",
            f"not well-formed XML, line {line} column {column}: {exc}",
        ) from None


def text_of(element: ET.Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    value = (found.text or "").strip() if found is not None else ""
    return value or None


@dataclass
class Table:
    name: str  # "XML1"
    root: str  # the payload's root element
    rows: list[Row] = field(default_factory=list)


def _data_elements(root: ET.Element) -> list[ET.Element]:
    """`root.iter()` without the facility's signature: `CHUKYDONVI` and anything in a
    namespace (XML-DSig's `X509Data` has only leaves and would read as a row). Walked
    with a stack, in document order, so deep nesting cannot exhaust the recursion."""
    found, stack = [], [root]
    while stack:
        element = stack.pop()
        found.append(element)
        stack.extend(reversed([c for c in element if c.tag != "CHUKYDONVI"
                               and not c.tag.startswith("{")]))  # fmt: skip
    return found


def table_rows(root: ET.Element) -> list[Row]:
    records = [e for e in _data_elements(root) if len(e) and all(len(c) == 0 for c in e)]
    rows = []
    for record in records:
        row: Row = {}
        for child in record:
            value = (child.text or "").strip()
            if value and child.tag not in row:
                row[child.tag] = value
        rows.append(row)
    return rows


def read_table(file_element: ET.Element, findings: Findings) -> Table | None:
    """One FILEHOSO: its LOAIHOSO and decoded rows, or None (and an error) if unreadable."""
    name = (text_of(file_element, "LOAIHOSO") or "").upper() or "FILEHOSO"
    payload = "".join((text_of(file_element, "NOIDUNGFILE") or "").split())
    if not payload:
        findings.error(name, None, "NOIDUNGFILE", "thiếu nội dung bảng", "table content missing")
        return None
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        findings.error(name, None, "NOIDUNGFILE", "nội dung không phải base64 hợp lệ",
                       "content is not valid base64")  # fmt: skip
        return None
    try:
        root = parse_document(data)
    except XmlRefused as exc:
        findings.error(name, None, "NOIDUNGFILE", exc.vi, exc.en)
        return None
    return Table(name, root.tag, table_rows(root))
