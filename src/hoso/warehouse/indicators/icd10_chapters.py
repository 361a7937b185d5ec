"""ICD-10 chapters and main groups of the Ministry's list (QĐ 4469/QĐ-BYT, 28/10/2020,
Phụ lục 1), in Python and inside Ibis expressions.

A chapter and a group are each a range of 3-character codes (`A00`–`B99`); a code is
placed by its first three characters (`I10.9`, the XML 130 form `I109` and `i10` alike).
In Ibis the chapter is either a CASE over the 22 ranges or, faster over many rows, a join
with the small table of every 3-character code and its chapter; both are plain SQL on
every backend (no UDF). The 211 groups are a small in-memory table joined on the range.
The data is generated from the Ministry's sheet by `tools/gen_icd10_groups.py`.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import ibis
import ibis.expr.types as ir

__all__ = [
    "UNKNOWN",
    "Block",
    "chapter_expr",
    "chapter_of",
    "chapters",
    "code3_expr",
    "codes_table",
    "group_of",
    "groups",
    "groups_table",
]  # fmt: skip

UNKNOWN = "unknown"  # no diagnosis, or a code outside every range of the list
# A category of ICD-10: a letter and two digits; anything else is in no range, even when it
# sorts between two codes ("X" lies between "V01" and "Y98").
_CODE3 = "^[A-Z][0-9][0-9]$"


@dataclass(frozen=True, slots=True)
class Block:
    code: str  # the chapter's Roman numeral, or the group's range "A00-A09"
    chapter: str
    start: str
    end: str
    name_vi: str
    name_en: str


@cache
def _data() -> dict[str, list[dict[str, object]]]:
    text = resources.files("hoso.warehouse").joinpath("data/icd10-groups.json").read_text("utf-8")
    found: dict[str, list[dict[str, object]]] = json.loads(text)
    return found


def _blocks(kind: str, key: str) -> tuple[Block, ...]:
    found = []
    for b in _data()[kind]:
        first, last = b["range"]  # type: ignore[misc]
        found.append(Block(str(b[key]), str(b["chapter"]), str(first), str(last),
                           str(b["vi"]), str(b["en"])))  # fmt: skip
    return tuple(found)


@cache
def chapters() -> tuple[Block, ...]:
    """The 22 chapters, I … XXII, in the list's order."""
    return _blocks("chapters", "chapter")


@cache
def groups() -> tuple[Block, ...]:
    """The main groups (blocks), sorted by their first code; they do not overlap."""
    return _blocks("groups", "group")


def _code3(code: str | None) -> str:
    return (code or "").strip().upper()[:3]


def _find(blocks: tuple[Block, ...], code: str | None) -> Block | None:
    c3 = _code3(code)
    if not re.match(_CODE3, c3):
        return None
    ordered = sorted(blocks, key=lambda b: b.start)
    at = bisect.bisect_right([b.start for b in ordered], c3) - 1
    if at >= 0 and ordered[at].start <= c3 <= ordered[at].end:
        return ordered[at]
    return None


def chapter_of(code: str | None) -> str:
    """`I10.9` → "IX"; UNKNOWN for no code or a code outside the list's chapters."""
    found = _find(chapters(), code)
    return found.code if found else UNKNOWN


def group_of(code: str | None) -> str:
    """`I10.9` → "I10-I15"; UNKNOWN outside every group."""
    found = _find(groups(), code)
    return found.code if found else UNKNOWN


def code3_expr(code: ir.StringValue) -> ir.StringValue:
    """The first three characters, upper case, of a code column ('' stays '')."""
    return code.strip().upper().substr(0, 3)


def chapter_expr(code: ir.StringValue) -> ir.StringValue:
    """The chapter of a code column, as a CASE over the ranges (UNKNOWN when null)."""
    c3 = code3_expr(code)
    # the pattern first, once: the ranges after it compare only well-formed codes
    branches = [(~c3.re_search(_CODE3).fill_null(False), UNKNOWN)]
    branches += [(c3.between(b.start, b.end), b.code) for b in chapters()]
    return ibis.cases(*branches, else_=UNKNOWN)


def codes_table() -> ir.Table:
    """Every well-formed 3-character code inside a chapter's range (A00 … Z99, about 2,400
    rows) with its chapter and group, to join on a code3 column: a hash join computes the
    code's first three characters once a row, where the CASE of `chapter_expr` computes
    them in every branch."""
    code3, chapter, group = [], [], []
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for number in range(100):
            code = f"{letter}{number:02d}"
            found = chapter_of(code)
            if found != UNKNOWN:
                code3.append(code)
                chapter.append(found)
                group.append(group_of(code))
    return ibis.memtable({"lookup_code3": code3, "lookup_chapter": chapter,
                          "lookup_group": group})  # fmt: skip


def groups_table() -> ir.Table:
    """The groups as an in-memory table (group, chapter, start, end) to join on a range:
    `t.left_join(g, (code3 >= g.start) & (code3 <= g.end))`."""
    found = groups()
    return ibis.memtable({
        "icd10_group": [b.code for b in found],
        "group_chapter": [b.chapter for b in found],
        "group_start": [b.start for b in found],
        "group_end": [b.end for b in found],
    })  # fmt: skip
