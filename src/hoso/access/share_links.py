"""Share links of the resident's health book (issue 17 point 6): the resident (or a
guardian, for their child) makes a link that lets whoever holds it read the book, or
chosen sections of it, for a chosen time, and may revoke it.

- The link's secret is 32 random bytes; only its SHA-256 is stored, so the secret is
  shown once, when the link is made, and a copy of the database opens nothing.
- A link lasts 1 hour to 7 days (24 hours unless chosen). An unknown secret answers as
  any missing page (404); a revoked or expired one 410 Gone, audited under its name.
- Whoever opens it is the principal "share link N" (`roles.SHARE_LINK`): that one
  resident's record, read only, through the same `AccessRepository` and audit trail as
  any caller; the policy hides the sensitive categories (`policy.visibility_for`)
  unless the resident included them.
- Making, listing and revoking links is the book's reader's (`check_book_reader`), and
  each is audited.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from hoso.access import claims as roles
from hoso.access.audit_record import (
    CREATE,
    DELETE,
    MINOR_FAILURE,
    READ,
    AuditRecord,
    AuditTrail,
)
from hoso.access.claims import AccessClaims
from hoso.access.health_book_access import check_book_reader
from hoso.access.principal import DEFAULT_PURPOSE, Principal
from hoso.access.scopes import ScopeSet
from hoso.core import clock
from hoso.core.errors import InvalidRequest, ResourceGone, ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = [
    "DEFAULT_HOURS", "MAX_HOURS", "MIN_HOURS", "CreatedLink", "ShareLinkRecord", "ShareLinkRows",
    "ShareLinks", "check_hours", "share_agent", "share_principal",
]  # fmt: skip

TOKEN_BYTES = 32
MIN_HOURS, DEFAULT_HOURS, MAX_HOURS = 1, 24, 7 * 24
SHARE_SCOPES = ("patient/*.rs",)  # read and search; the policy refuses writes besides
_HOUR_US = 3_600_000_000
# `secrets.token_urlsafe(32)`: 43 characters of the URL-safe alphabet. Anything else is
# refused before the database is asked, whatever its length.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class ShareLinkRecord(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def patient_id(self) -> str: ...
    @property
    def sections(self) -> tuple[str, ...]: ...
    @property
    def include_sensitive(self) -> bool: ...
    @property
    def created_at(self) -> int: ...  # µs since the epoch
    @property
    def expires_at(self) -> int: ...
    @property
    def revoked_at(self) -> int | None: ...
    @property
    def opened_count(self) -> int: ...
    @property
    def last_opened_at(self) -> int | None: ...


class ShareLinkRows(Protocol):
    """The table behind the links (`hoso.store.share_links.SqlShareLinks`)."""

    def add(self, *, patient_id: str, token_hash: str, sections: tuple[str, ...],
            include_sensitive: bool, created_by: str, created_at: int, expires_at: int
            ) -> ShareLinkRecord: ...  # fmt: skip
    def active_for(self, patient_id: str, now: int) -> list[ShareLinkRecord]: ...
    def by_token_hash(self, token_hash: str) -> ShareLinkRecord | None: ...
    def revoke(self, patient_id: str, link_id: int, now: int) -> bool: ...
    def count_open(self, link_id: int, now: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class CreatedLink:
    link: ShareLinkRecord
    token: str  # the secret: shown to its maker once, never stored


def share_agent(link_id: int) -> str:
    """How the audit trail names whoever opened link `link_id`."""
    return f"share link {link_id}"


def check_hours(hours: object) -> int:
    """How long a link lasts, in whole hours from 1 to 168 (7 days); else 400."""
    text = str(hours) if isinstance(hours, int) and not isinstance(hours, bool) else hours
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 4 \
            and MIN_HOURS <= int(text) <= MAX_HOURS:  # fmt: skip
        return int(text)
    raise InvalidRequest(
        f"Thời hạn là số giờ từ {MIN_HOURS} đến {MAX_HOURS} (7 ngày) / The duration is a "
        f"whole number of hours from {MIN_HOURS} to {MAX_HOURS} (7 days)",
        expression=["hours"])  # fmt: skip


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _unknown() -> ResourceNotFound:
    # The same words as any missing page: a guess learns nothing.
    return ResourceNotFound("Không tìm thấy trang / Page not found")


class ShareLinks:
    def __init__(self, rows: ShareLinkRows, trail: AuditTrail) -> None:
        self._rows = rows
        self._trail = trail

    def create(self, repo: AccessRepository, patient_id: str, sections: tuple[str, ...], *,
               hours: object = DEFAULT_HOURS, include_sensitive: bool = False
               ) -> CreatedLink:  # fmt: skip
        """A new link to `sections` of the book (the caller checked them against the
        book's keys: `hoso.healthbook.sharing.check_sections`)."""
        entity = f"Patient/{patient_id}"

        def run() -> CreatedLink:
            check_book_reader(repo, patient_id)
            lasting = check_hours(hours)
            if not sections:
                raise InvalidRequest("Hãy chọn ít nhất một mục / Choose at least one section",
                                     expression=["sections"])  # fmt: skip
            token, now = secrets.token_urlsafe(TOKEN_BYTES), clock.now_us()
            link = self._rows.add(patient_id=patient_id, token_hash=_digest(token),
                                  sections=sections, include_sensitive=include_sensitive,
                                  created_by=repo.principal.agent, created_at=now,
                                  expires_at=now + lasting * _HOUR_US)  # fmt: skip
            # Audited after the row commits: if the entry cannot be written the request
            # fails, and the secret, never shown, dies with it.
            sensitive = "có / yes" if include_sensitive else "không / no"
            repo.audit(CREATE, "share-link", patients=(patient_id,), entities=(entity,),
                       description=f"{share_agent(link.id)}: {','.join(sections)}; "
                       f"{lasting} h; nhạy cảm / sensitive: {sensitive}")  # fmt: skip
            return CreatedLink(link, token)

        return repo.guarded(CREATE, "share-link", entity, run)

    def active(self, repo: AccessRepository, patient_id: str) -> list[ShareLinkRecord]:
        """The book's links in force now, newest first."""
        entity = f"Patient/{patient_id}"

        def run() -> list[ShareLinkRecord]:
            check_book_reader(repo, patient_id)
            links = self._rows.active_for(patient_id, clock.now_us())
            repo.audit(READ, "share-link-list", patients=(patient_id,), entities=(entity,),
                       description=f"{len(links)} liên kết / links")  # fmt: skip
            return links

        return repo.guarded(READ, "share-link-list", entity, run)

    def revoke(self, repo: AccessRepository, patient_id: str, link_id: int) -> None:
        """Revoke link `link_id` of this book; 404 when the book has no such link."""
        entity = f"Patient/{patient_id}"

        def run() -> None:
            check_book_reader(repo, patient_id)
            if not self._rows.revoke(patient_id, link_id, clock.now_us()):
                raise _unknown()
            repo.audit(DELETE, "share-link", patients=(patient_id,), entities=(entity,),
                       description=share_agent(link_id))  # fmt: skip

        repo.guarded(DELETE, "share-link", entity, run)

    def open(self, token: str, source_ip: str | None = None) -> ShareLinkRecord:
        """The link `token` opens, its open counted; 404 unknown, 410 revoked or expired."""
        if len(token) != 43 or not _TOKEN.fullmatch(token):
            raise _unknown()
        link = self._rows.by_token_hash(_digest(token))
        if link is None:
            raise _unknown()
        now = clock.now_us()
        # The UPDATE re-checks revocation and expiry: a link revoked after the lookup
        # above is not opened.
        if link.revoked_at is None and link.expires_at > now and \
                self._rows.count_open(link.id, now):  # fmt: skip
            return link
        self._trail.record(AuditRecord(
            action=READ, subtype="share-link-open", outcome=MINOR_FAILURE,
            agent=share_agent(link.id), role=roles.SHARE_LINK, patients=(link.patient_id,),
            entities=(f"Patient/{link.patient_id}",), purpose=DEFAULT_PURPOSE[roles.SHARE_LINK],
            source_ip=source_ip, description="410 ResourceGone"))  # fmt: skip
        raise ResourceGone(
            "Liên kết chia sẻ đã bị thu hồi hoặc đã hết hạn / This share link was revoked "
            "or has expired")  # fmt: skip


def share_principal(link: ShareLinkRecord, source_ip: str | None = None) -> Principal:
    """Whoever holds an open link: one resident's record, read only, as "share link N"."""
    claims = AccessClaims(subject=share_agent(link.id), role=roles.SHARE_LINK,
                          scopes=SHARE_SCOPES, client_id="share-link",
                          token_id=f"share-link-{link.id}",
                          expires_at=link.expires_at // 1_000_000,
                          patient=link.patient_id)  # fmt: skip
    return Principal(claims, ScopeSet.parse(SHARE_SCOPES),
                     patients=frozenset({link.patient_id}), source_ip=source_ip,
                     shows_sensitive=link.include_sensitive)  # fmt: skip
