"""Immunization resources for the schedule tests: a vaccine by its CVX code on a day."""

from __future__ import annotations

from typing import Any

CVX = "http://hl7.org/fhir/sid/cvx"
# the CVX codes the TCMR doses carry (hoso.synth.immunization)
HEPB, BCG, FIVE_IN_ONE, SIX_IN_ONE, BOPV, IPV = "08", "19", "102", "146", "178", "10"
MEASLES, MR, MMR, DTP, TD, JE = "05", "04", "03", "01", "139", "39"


def immunization(
    cvx: str,
    on: str,
    *,
    status: str = "completed",
    ident: str | None = None,
    system: str = CVX,
    **extra: Any,
) -> dict[str, Any]:
    """`on` is a FHIR date or dateTime (a bare date is a day in Asia/Ho_Chi_Minh)."""
    return {
        "resourceType": "Immunization",
        "id": ident or f"imm-{cvx}-{on[:10]}",
        "status": status,
        "vaccineCode": {"coding": [{"system": system, "code": cvx}]},
        "patient": {"reference": "Patient/child"},
        "occurrenceDateTime": on,
        **extra,
    }
