"""What a verified access token says about its bearer: the contract between the token
service (which signs and verifies) and the policy (which decides)."""

from __future__ import annotations

from dataclasses import dataclass

# Roles a token may carry; the policy gives each its own view of the records.
RESIDENT = "resident"
CLINICIAN = "clinician"
OFFICER = "officer"  # public-health officer
STEWARD = "steward"  # data steward (identity, data quality)
DPO = "dpo"  # data-protection officer
ADMIN = "admin"
FACILITY_SYSTEM = "facility-system"  # a hospital's software (client credentials)
OPERATOR = "operator"  # `hoso token` on the server's own machine
# Another health record system that sends the records of many facilities (a province's
# Hồ Sơ feeding the national database): client credentials, registered as a peer.
RECORD_SYSTEM = "record-system"
# A booking call-centre agent (issue 21): books for any resident, reads demographics only.
CALL_CENTRE = "call-centre"
ROLES = (RESIDENT, CLINICIAN, OFFICER, STEWARD, DPO, ADMIN, FACILITY_SYSTEM, OPERATOR,
         RECORD_SYSTEM, CALL_CENTRE)
# Whoever opens a resident's share link (`hoso.access.share_links`): one book, read only.
# Not in ROLES on purpose: no token may carry it, only an open link makes such a caller.
SHARE_LINK = "share-link"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified claims of one access token (JWT registered claims in brackets)."""

    subject: str  # [sub] "account:<username>", "client:<client_id>", "operator:<user>"
    role: str
    scopes: tuple[str, ...]  # SMART v2 scopes, e.g. ("patient/*.rs",)
    client_id: str  # [client_id]
    token_id: str  # [jti]
    expires_at: int  # [exp] seconds since epoch
    facility: str | None = None  # facility code (mã cơ sở KCB) the bearer acts for
    patient: str | None = None  # Patient id: the resident's own, or a launch context
    fhir_user: str | None = None  # "Patient/<id>", "Practitioner/<id>"
