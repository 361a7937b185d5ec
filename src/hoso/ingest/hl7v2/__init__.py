"""HL7 v2 in: ADT, ORU and VXU messages over MLLP, mapped to FHIR transaction Bundles
that go through the one intake (hoso.ingest.intake), answered by an HL7 ACK."""

from hoso.ingest.hl7v2.ack import ack
from hoso.ingest.hl7v2.bundle import Hl7Result, to_bundle
from hoso.ingest.hl7v2.handler import make_handler
from hoso.ingest.hl7v2.message import Hl7Error, Hl7Message, Hl7Rejected, parse_message
from hoso.ingest.hl7v2.mllp import MllpServer

__all__ = [
    "Hl7Error",
    "Hl7Message",
    "Hl7Rejected",
    "Hl7Result",
    "MllpServer",
    "ack",
    "make_handler",
    "parse_message",
    "to_bundle",
]
