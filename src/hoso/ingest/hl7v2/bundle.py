"""One HL7 v2 message → one FHIR transaction Bundle (or, for a merge, the pair of CCCDs).

Entry order, as for XML 130: the Patient (a plain POST: the master patient index
decides), the Encounter (the facility's care claim, before the rest of the record),
then the results or immunizations. A message with an error gets no Bundle: half a
message must not be filed as if whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hoso.core.settings import Settings
from hoso.ingest.hl7v2.context import MessageContext
from hoso.ingest.hl7v2.message import Hl7Error, Hl7Message
from hoso.ingest.hl7v2.patient import add_encounter, add_patient, cccd_of
from hoso.ingest.hl7v2.results import add_immunizations, add_results

ADT_EVENTS = frozenset({"A01", "A03", "A04", "A08"})


@dataclass
class Hl7Result:
    bundle: dict[str, Any] | None
    errors: list[Hl7Error] = field(default_factory=list)
    control_id: str = ""
    sending_facility: str = ""
    # ADT^A40: (surviving CCCD, retired CCCD) for the master patient index's merge
    merge: tuple[str, str] | None = None

    @property
    def rejected(self) -> bool:
        return any(e.severity == "E" for e in self.errors)


def _adt(ctx: MessageContext, event: str) -> None:
    add_patient(ctx)
    add_encounter(ctx, discharged=event == "A03")
    if ctx.message.segment("PV1") is None:
        ctx.error("PV1", "100", "thiếu phân đoạn PV1", "PV1 segment missing")


def _oru(ctx: MessageContext, event: str) -> None:
    add_patient(ctx)
    add_encounter(ctx)
    add_results(ctx)


def _vxu(ctx: MessageContext, event: str) -> None:
    add_patient(ctx)
    add_encounter(ctx)
    add_immunizations(ctx)


MAPPERS: dict[tuple[str, str], Callable[[MessageContext, str], None]] = {
    **{("ADT", e): _adt for e in ADT_EVENTS},
    ("ORU", "R01"): _oru,
    ("VXU", "V04"): _vxu,
}


def _merge(ctx: MessageContext) -> tuple[str, str] | None:
    surviving, retired = cccd_of(ctx, "PID", 3), cccd_of(ctx, "MRG", 1)
    if not surviving:
        ctx.error("PID-3", "101", "thiếu CCCD người được giữ lại", "surviving CCCD missing")
    if not retired:
        ctx.error("MRG-1", "101", "thiếu CCCD người bị gộp", "retired CCCD missing")
    return (surviving, retired) if surviving and retired else None


def to_bundle(message: Hl7Message, *, settings: Settings, facility: str) -> Hl7Result:
    ctx = MessageContext(settings, facility, message)
    result = Hl7Result(None, ctx.errors, message.control_id, message.sending_facility)
    kind, event = message.message_type
    if (kind, event) == ("ADT", "A40"):
        # never merged here: the MPI's merge has review rules the caller applies
        result.merge = _merge(ctx)
        return result
    mapper = MAPPERS.get((kind, event))
    if mapper is None:
        known = kind in {k for k, _ in MAPPERS}
        ctx.error("MSH-9", "201" if known else "200",
                  f"loại thông điệp {kind}^{event} không được hỗ trợ",
                  f"message type {kind}^{event} is not supported")  # fmt: skip
        return result
    mapper(ctx, event)
    if not result.rejected:
        result.bundle = {"resourceType": "Bundle", "type": "transaction", "entry": ctx.entries}
    return result
