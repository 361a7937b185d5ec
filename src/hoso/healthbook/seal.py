"""The claims of a document's verification token: what `/verify/{token}` confirms.

The token is a compact JWS the server signs with its own keys (`hoso.access.
document_tokens`); it holds the content hash, the kind, the sections, the issue time,
the source facility and a masked patient reference, and nothing else: no name, no
CCCD, no clinical content, because a QR code is read by whoever holds the paper and its
URL lands in logs and browser histories on the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hoso.healthbook.documents import BOOK, BOOK_SECTIONS, EPISODE, Document

__all__ = ["Seal", "masked_patient"]

_HASH = re.compile(r"[0-9a-f]{64}")
_SHOWN_ID_CHARS = 4
MAX_FACILITY_CHARS = 64


def masked_patient(patient_id: str) -> str:
    """The reference with all but its last characters hidden, "Patient/•••a1b2":
    enough to tell two residents' papers apart at a glance, too little to find the
    record."""
    return f"Patient/•••{patient_id[-_SHOWN_ID_CHARS:]}"


@dataclass(frozen=True, slots=True)
class Seal:
    content_hash: str
    kind: str
    sections: tuple[str, ...]
    issued_at: int  # epoch seconds
    facility: str | None
    patient: str  # masked_patient(...)

    @classmethod
    def of(cls, document: Document, issued_at: int) -> Seal:
        return cls(document.content_hash, document.kind, document.sections, issued_at,
                   document.facility, masked_patient(document.patient_id))  # fmt: skip

    def claims(self) -> dict[str, Any]:
        return {"hash": self.content_hash, "kind": self.kind, "sections": list(self.sections),
                "iat": self.issued_at, "facility": self.facility, "sub": self.patient}  # fmt: skip

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Seal | None:
        """The seal a signed token holds; None when its claims are not one (a token this
        server signed for something else, or a shape it never writes)."""
        content_hash, kind, sections = claims.get("hash"), claims.get("kind"), claims.get(
            "sections")  # fmt: skip
        issued_at, facility, patient = claims.get("iat"), claims.get("facility"), claims.get("sub")
        if not (isinstance(content_hash, str) and _HASH.fullmatch(content_hash)
                and kind in (EPISODE, BOOK) and isinstance(sections, list)
                and all(s in BOOK_SECTIONS for s in sections)
                and isinstance(issued_at, int) and not isinstance(issued_at, bool)
                and (facility is None or (isinstance(facility, str)
                                          and len(facility) <= MAX_FACILITY_CHARS))
                and isinstance(patient, str) and patient.startswith("Patient/")):  # fmt: skip
            return None
        return cls(content_hash, str(kind), tuple(sections), issued_at, facility, patient)
