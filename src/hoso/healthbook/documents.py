"""What one downloaded document holds: one episode of care, or the book (every section
or the chosen ones), cut from the book `health_book` computed for the caller, and the
hash that the document's verification QR vouches for.

The hash is SHA-256 over the canonical JSON (`hoso.core.jsonx`) of exactly what the
PDF shows (the resident's name and birth date from its header, the sections or the
episode, the facilities' names), so two documents with the same content have the same
hash, and any change to what is printed changes it. The issue time and the QR are not
content: they are in the signed token (`Seal`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest
from hoso.fhir.outcomes import not_found
from hoso.healthbook.content import SECTION_KEYS

__all__ = ["BOOK", "BOOK_SECTIONS", "EPISODE", "Document", "book_document", "book_facility_codes",
           "episode_document", "parse_sections"]  # fmt: skip

EPISODE, BOOK = "episode", "book"
# The keys a reader may choose, in the book's order (QĐ 31/QĐ-BYT Art. 2 §3, groups a–d).
BOOK_SECTIONS = ("administrative", *SECTION_KEYS)
MAX_SECTIONS_TEXT = 512


@dataclass(frozen=True, slots=True)
class Document:
    kind: str  # EPISODE or BOOK
    sections: tuple[str, ...]  # for an episode, ("episodes",)
    facility: str | None  # the source facility's code (an episode's), None for a book
    patient_id: str
    content: dict[str, Any]  # exactly what is printed

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(jsonx.dumps(self.content)).hexdigest()


def parse_sections(text: str | None) -> tuple[str, ...]:
    """`?sections=allergies,vaccinations` → the keys in the book's order; absent → all.
    An unknown, empty or overlong list is a 400 that names the keys there are."""
    if text is None:
        return BOOK_SECTIONS
    wanted = {part.strip() for part in text[: MAX_SECTIONS_TEXT + 1].split(",") if part.strip()}
    unknown = sorted(wanted - set(BOOK_SECTIONS))
    if len(text) > MAX_SECTIONS_TEXT or unknown or not wanted:
        shown = (unknown[0] if unknown else "")[:40]
        raise InvalidRequest(
            f"Mục không có trong sổ sức khỏe: '{shown}'; chọn trong {', '.join(BOOK_SECTIONS)}"
            f" / Not a section of the health book: '{shown}'; choose among "
            f"{', '.join(BOOK_SECTIONS)}", expression=["sections"])  # fmt: skip
    return tuple(key for key in BOOK_SECTIONS if key in wanted)


def _person(book: dict[str, Any]) -> dict[str, Any]:
    administrative = book["administrative"]
    return {"name": administrative.get("name"), "birth_date": administrative.get("birth_date"),
            "gender": administrative.get("gender")}  # fmt: skip


def _patient_id(book: dict[str, Any]) -> str:
    return str(book["patient"]).removeprefix("Patient/")


def episode_document(book: dict[str, Any], encounter_id: str,
                     names: dict[str, str]) -> Document:  # fmt: skip
    """The episode `Encounter/{encounter_id}` of the book; 404 (as for a missing one)
    when the book has no such episode: another resident's, or none at all."""
    wanted = f"Encounter/{encounter_id}"
    found = [e for e in book["episodes"]["items"] if e.get("reference") == wanted]
    if not found:
        raise not_found("Encounter", encounter_id)
    episode = found[0]
    facility = episode.get("facility")
    content = {"kind": EPISODE, "lang": book["lang"], "patient": _person(book),
               "episode": episode,
               "facilities": _named(names, facility_codes([{"items": [episode]}]))}  # fmt: skip
    return Document(EPISODE, ("episodes",), facility, _patient_id(book), content)


def book_document(book: dict[str, Any], sections: tuple[str, ...],
                  names: dict[str, str]) -> Document:  # fmt: skip
    """The chosen sections of the book, in the book's order."""
    chosen: list[dict[str, Any]] = []
    for key in sections:
        if key == "administrative":
            chosen.append({"key": key, **book["administrative"]})
        else:
            chosen.extend(s for s in _sections(book) if s["key"] == key)
    content = {"kind": BOOK, "lang": book["lang"], "patient": _person(book),
               "sections": chosen, "facilities": _named(names, facility_codes(chosen))}
    return Document(BOOK, sections, None, _patient_id(book), content)  # fmt: skip


def facility_codes(sections: list[dict[str, Any]]) -> list[str]:
    """Every facility an item of these sections names (an episode's, a result's …)."""
    codes: list[str] = []
    for section in sections:
        for item in section.get("items") or []:
            codes.extend(_item_facilities(item))
    return sorted(set(codes))


def _item_facilities(item: dict[str, Any]) -> list[str]:
    codes = [item["facility"]] if isinstance(item.get("facility"), str) else []
    for key in ("diagnoses", "results", "medications", "procedures"):
        for inner in item.get(key) or []:
            if isinstance(inner, dict) and isinstance(inner.get("facility"), str):
                codes.append(inner["facility"])
    return codes


def _sections(book: dict[str, Any]) -> list[dict[str, Any]]:
    return [*book["history"], book["episodes"], book["papers"]]


def book_facility_codes(book: dict[str, Any]) -> list[str]:
    """Every facility the whole book names: resolved once, whatever is then chosen."""
    return facility_codes(_sections(book))


def _named(names: dict[str, str], codes: list[str]) -> dict[str, str | None]:
    """Each facility printed, with its name (None when no readable Organization has it)."""
    return {code: names.get(code) for code in codes}
