"""What a share link shows of the book: the sections the resident chose, by the keys the
book gives them (`hoso.healthbook.content`), and nothing else. Sensitive items are not
filtered here: the access policy hides them from the link's reads in the first place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hoso.core.errors import InvalidRequest
from hoso.healthbook.administrative import TITLE as ADMINISTRATIVE_TITLE
from hoso.healthbook.content import SECTION_KEYS
from hoso.healthbook.content import SECTION_TITLES as BOOK_TITLES

__all__ = ["SECTIONS", "SECTION_TITLES", "check_sections", "shared_book"]

# The book's sections in its own order (QĐ 31/QĐ-BYT Art. 2 §3 groups a–d): the
# administrative group, then the ones the book pages by.
SECTIONS = ("administrative", *SECTION_KEYS)
_TOP = ("administrative", "episodes", "papers")  # the rest sit in `history`
_ALWAYS = ("patient", "lang")  # whose book, in which language: never a section's content
# The sections' names for the form that chooses them: the book's own titles.
SECTION_TITLES = {"administrative": ADMINISTRATIVE_TITLE, **BOOK_TITLES}


def check_sections(chosen: object) -> tuple[str, ...]:
    """The chosen section keys in the book's order; None means the whole book. An
    empty choice, an unknown key or anything but a list of strings is 400."""
    if chosen is None:
        return SECTIONS
    if not isinstance(chosen, Sequence) or isinstance(chosen, str | bytes) or not chosen:
        raise InvalidRequest("Hãy chọn ít nhất một mục của sổ / Choose at least one section "
                             "of the book", expression=["sections"])  # fmt: skip
    unknown = [c for c in chosen if c not in SECTIONS]
    if unknown:
        name = str(unknown[0])[:40]
        raise InvalidRequest(f"Mục không có trong sổ / Not a section of the book: {name}",
                             expression=["sections"])  # fmt: skip
    return tuple(s for s in SECTIONS if s in chosen)


def shared_book(book: dict[str, Any], sections: Sequence[str]) -> dict[str, Any]:
    """`book` (as `health_book` returned it) with only `sections`: anything else the
    book carries now or later (the measurement series behind its charts) is left out
    unless it is named here."""
    shown = {k: book[k] for k in _ALWAYS if k in book}
    shown |= {k: book[k] for k in _TOP if k in sections and k in book}
    shown["history"] = [s for s in book.get("history") or [] if s.get("key") in sections]
    return shown
