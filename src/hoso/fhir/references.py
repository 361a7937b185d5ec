"""Parsing of FHIR reference strings: `Type/id`, versioned, absolute and canonical forms.

Shared by indexing (what a stored reference points at) and search parsing (what a
reference search value asks for). See https://hl7.org/fhir/R4/references.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fhirpathpy.models import models

__all__ = ["RESOURCE_TYPES", "ParsedReference", "parse_reference"]


def _resource_types() -> frozenset[str]:
    parents: dict[str, str] = models["r4"]["type2Parent"]

    def is_resource(name: str) -> bool:
        while name in parents:
            name = parents[name]
            if name == "Resource":
                return True
        return False

    return frozenset(t for t in parents if is_resource(t) and t != "DomainResource")


# Every concrete R4 resource type name, from fhirpathpy's R4 model tables.
RESOURCE_TYPES: frozenset[str] = _resource_types()
_ID_RE = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True, slots=True)
class ParsedReference:
    """`url` is set for absolute references (kept verbatim); type/id when recognisable."""

    resource_type: str | None
    resource_id: str | None
    url: str | None = None


def _type_and_id(segments: list[str]) -> tuple[str, str] | None:
    if len(segments) >= 4 and segments[-2] == "_history":
        segments = segments[:-2]
    if len(segments) < 2:
        return None
    rtype, rid = segments[-2], segments[-1]
    if rtype in RESOURCE_TYPES and _ID_RE.fullmatch(rid):
        return rtype, rid
    return None


def parse_reference(text: str) -> ParsedReference | None:
    """Parse a Reference.reference, canonical or uri value; None for contained (`#x`)
    and empty references, which point at nothing outside the resource."""
    if not text or text.startswith("#"):
        return None
    if "://" in text or text.startswith(("urn:", "//")):
        # A canonical may carry `|version`; the type/id come from the URL before it.
        found = _type_and_id(text.split("|", 1)[0].rstrip("/").split("/"))
        if found is None:
            return ParsedReference(None, None, text)
        return ParsedReference(found[0], found[1], text)
    segments = text.split("/")
    if len(segments) in (2, 4):
        found = _type_and_id(segments)
        if found is not None and (len(segments) == 2 or segments[2] == "_history"):
            return ParsedReference(found[0], found[1])
    return ParsedReference(None, None, text)
