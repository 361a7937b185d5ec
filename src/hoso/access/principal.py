"""The caller of one request, as the policy needs to know them: the verified token
claims plus what the records say about them (their facility's Organization, the
children they are guardian of)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from hoso.access import claims as roles
from hoso.access.claims import AccessClaims
from hoso.access.scopes import ScopeSet
from hoso.fhir.care_links import facility_source

# Why each role usually acts (v3 ActReason PurposeOfUse), recorded in the audit trail.
DEFAULT_PURPOSE = {
    roles.RESIDENT: "PATRQT",
    roles.CLINICIAN: "TREAT",
    roles.FACILITY_SYSTEM: "TREAT",
    roles.OFFICER: "PUBHLTH",
    roles.STEWARD: "HOPERAT",
    roles.DPO: "HCOMPL",
    roles.ADMIN: "HSYSADMIN",
    roles.OPERATOR: "HSYSADMIN",
    roles.RECORD_SYSTEM: "HOPERAT",
    roles.SHARE_LINK: "PATRQT",  # the resident chose to disclose it
}


@dataclass(frozen=True, slots=True)
class Principal:
    claims: AccessClaims
    scopes: ScopeSet
    facility_orgs: tuple[str, ...] = ()  # "Organization/<id>" of the caller's facility
    patients: frozenset[str] = frozenset()  # resident: own Patient and their children's
    source_ip: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # A share link whose resident included the sensitive categories (HIV, mental health…).
    shows_sensitive: bool = False

    @property
    def role(self) -> str:
        return self.claims.role

    @property
    def agent(self) -> str:
        return self.claims.subject

    @property
    def facility(self) -> str | None:
        return self.claims.facility

    @property
    def purpose(self) -> str:
        return DEFAULT_PURPOSE.get(self.role, "TREAT")

    @property
    def source(self) -> str | None:
        """The `meta.source` stamped on what this caller writes."""
        if self.facility and self.role in (roles.CLINICIAN, roles.FACILITY_SYSTEM):
            return facility_source(self.facility)
        if self.role == roles.RESIDENT and self.claims.patient:
            return f"urn:hoso:patient:{self.claims.patient}"
        return None

    @property
    def facility_keys(self) -> tuple[str, ...]:
        """Every way a care link or a Consent may name this caller's facility."""
        source = facility_source(self.facility) if self.facility else None
        return self.facility_orgs + ((source,) if source else ())

    @property
    def owner(self) -> str:
        """Who owns what this caller starts (a bulk job): the subject, role, client,
        facility and resident together, so two callers sharing any one of them (every
        `hoso token` once had `sub: operator:root`) never share a job."""
        c = self.claims
        key = "\x1f".join((c.subject, c.role, c.client_id, c.facility or "", c.patient or ""))
        return "principal:" + hashlib.sha256(key.encode()).hexdigest()

    @property
    def patient_context_only(self) -> bool:
        """Scopes all of the `patient/` kind: the token reaches one record, whoever holds it."""
        return self.scopes.contexts == frozenset({"patient"})


def operator_principal(user: str, scopes: tuple[str, ...] = ("system/*.cruds",)) -> Principal:
    """The server's own operator at its command line (`hoso import`, `hoso export`):
    the same role and audit identity as a `hoso token` operator token."""
    import time
    import uuid

    claims = AccessClaims(
        subject=f"operator:{user}",
        role=roles.OPERATOR,
        scopes=scopes,
        client_id="hoso-cli",
        token_id=uuid.uuid4().hex,
        expires_at=int(time.time()) + 86_400,
    )
    return Principal(claims, ScopeSet.parse(scopes))
