"""The licence check for a caller: who named in claims and records held no valid
certificate for the scope on the day (issue 20 point 5; `hoso.warehouse.licences.checks`).

Public-health officers and the operator may run it. It reads the records' Encounters,
MedicationRequests and Procedures whole (a resident's data: the caller is decided first,
and one audit entry names the types read, the window and the number of findings), yet
what it returns names no resident: the practitioner, the facility, the day, why, and
the record by its type and id. For an officer that id is the same pseudonym their other
de-identified views use (`hoso.access.deidentify.pseudonym`), as is a Practitioner's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import READ
from hoso.access.deidentify import pseudonym
from hoso.access.warehouse_licences import _pages
from hoso.fhir.store import Session
from hoso.warehouse.licences import model as m
from hoso.warehouse.licences.checks import Finding, Mention, judge, mentions

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["LicenceChecks"]

CHECK_ROLES = (roles.OFFICER, roles.OPERATOR)
# The record types that name practitioners, and the search parameter of their day.
SERVICE_DATES = (("Encounter", "date"), ("MedicationRequest", "authoredon"),
                 ("Procedure", "date"))  # fmt: skip


class _Registry:
    """The store's certificates, by number and by Practitioner."""

    def __init__(self, session: Session) -> None:
        self.by_number: dict[str, list[m.Certificate]] = {}
        self.by_practitioner: dict[str, list[m.Certificate]] = {}
        for p in _pages(session, "Practitioner", [("identifier", m.NUMBER_SYSTEM + "|")]):
            certs = m.certificates_of(p)
            self.by_practitioner[str(p["id"])] = certs
            for cert in certs:
                self.by_number.setdefault(cert.number, []).append(cert)

    def held(self, mention: Mention) -> list[m.Certificate]:
        if mention.practitioner_id:
            return self.by_practitioner.get(mention.practitioner_id, [])
        if not (certs := self.by_number.get(mention.number, [])):
            return []
        # A practitioner's other certificates count too (a CCHN converted to a GPHN).
        pid = certs[0].practitioner_id
        return self.by_practitioner.get(pid, certs)


def _records(session: Session, since: date | None) -> Iterator[dict[str, Any]]:
    for resource_type, param in SERVICE_DATES:
        params = [(param, f"ge{since.isoformat()}")] if since else []
        yield from _pages(session, resource_type, params)


class LicenceChecks:
    def __init__(self, repo: AccessRepository) -> None:
        self.repo = repo

    def findings(self, since: date | None = None) -> list[Finding]:
        """Every finding about services on or after `since` (all when None), by day."""
        role = self.repo.principal.role
        if role not in CHECK_ROLES:
            raise policy.denied(role, "kiểm tra giấy phép hành nghề / run the licence check")
        found: list[Finding] = []
        with self.repo.session() as session:
            registry = _Registry(session)
            providers: dict[str, str] = {}
            for record in _records(session, since):
                if record.get("resourceType") == "Encounter":
                    ref = record.get("serviceProvider") or {}
                    providers[f"Encounter/{record['id']}"] = str(
                        (ref.get("identifier") or {}).get("value") or ref.get("display")
                        or ref.get("reference") or "")[:100]  # fmt: skip
                for mention in mentions(record, providers):
                    finding = judge(mention, registry.held(mention))
                    if finding is not None:
                        found.append(finding)
        found.sort(key=lambda f: (f.mention.day, f.mention.resource_type, f.mention.resource_id))
        read = (*(t for t, _ in SERVICE_DATES), "Practitioner")
        self.repo.audit(READ, "licence-check", entities=read,
                        description=f"kiểm tra giấy phép từ / licence check since {since or '-'}"
                                    f": {len(found)} phát hiện / findings")  # fmt: skip
        return self._shown(found)

    def _shown(self, found: Sequence[Finding]) -> list[Finding]:
        """An officer's findings carry pseudonyms for ids, as their other views do."""
        if not self.repo.deidentifies:
            return list(found)
        key = self.repo.pseudonym_key
        shown = []
        for f in found:
            mention = replace(
                f.mention, resource_id=pseudonym(f.mention.resource_id, key),
                practitioner_id=pseudonym(f.mention.practitioner_id, key)
                if f.mention.practitioner_id else "",
            )  # fmt: skip
            shown.append(replace(f, mention=mention))
        return shown
