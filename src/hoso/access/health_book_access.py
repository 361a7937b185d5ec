"""The health book's doors in the access layer: the book is the resident's (their own,
or a child's they are guardian of); every other role is refused, and another
resident's book is answered exactly like a missing one.

`changes` lists what changed in the resident's record after a position of the change
feed, so a phone syncs only that: each change the resident may see now (a version
their view shows; a deletion of a resource whose last version it showed), audited as a
read of their record.

`book_state` is what a phone's revalidation costs: the reader's view and the record's
state (`Session.compartment_state`, two index lookups), from which the API tells that
a book it built is still the book, without building it again; audited as a read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import READ
from hoso.fhir.change_feed import Change
from hoso.fhir.outcomes import not_found
from hoso.fhir.visibility import Visibility

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["audit_book_read", "book_state", "check_book_reader", "readable_books",
           "resident_changes"]


def check_book_reader(repo: AccessRepository, patient_id: str) -> None:
    """A resident's token for their own or their child's book; else 403 (another role)
    or 404 (another person's book, as for a missing one)."""
    role = repo.principal.role
    if role != roles.RESIDENT:
        raise policy.denied(role, "đọc sổ sức khỏe / read a resident's health book")
    if patient_id not in repo.principal.patients:
        raise not_found("Patient", patient_id)


def readable_books(repo: AccessRepository) -> list[str]:
    """The Patients whose books this resident opens: their own, their children's (the
    token's reach); another role 403."""
    role = repo.principal.role
    if role != roles.RESIDENT:
        raise policy.denied(role, "đọc sổ sức khỏe / read a resident's health book")
    own = repo.principal.claims.patient
    return sorted(repo.principal.patients, key=lambda p: (p != own, p))


def resident_changes(repo: AccessRepository, patient_id: str, since: int, limit: int
                     ) -> tuple[list[Change], int]:  # fmt: skip
    """(the changes the resident may see, the position read up to): the app asks from
    that position next time, so hidden changes are not read again."""
    entity = f"Patient/{patient_id}"

    def run() -> tuple[list[Change], int]:
        check_book_reader(repo, patient_id)
        view = repo.decider.visibility()
        with repo.session() as s:
            found = s.feed.for_patient(patient_id, since, limit)
            shown = [c for c in found if s.visible(c.resource_type, c.id, view)]
        repo.audit(READ, "health-book-changes", patients=(patient_id,), entities=(entity,),
                   description=f"{len(shown)} thay đổi / changes after {since}")  # fmt: skip
        return shown, found[-1].position if found else since

    return repo.guarded(READ, "health-book-changes", entity, run)


def book_state(repo: AccessRepository, patient_id: str
               ) -> tuple[Visibility, tuple[int, int]]:  # fmt: skip
    """(the reader's view, the record's state): the book built for this view and state
    is the book, as long as neither changes. Refused like the book itself."""

    def run() -> tuple[Visibility, tuple[int, int]]:
        check_book_reader(repo, patient_id)
        view = repo.decider.visibility()
        with repo.session() as s:
            return view, s.compartment_state(patient_id)

    return repo.guarded(READ, "health-book", f"Patient/{patient_id}", run)


def audit_book_read(repo: AccessRepository, patient_id: str, description: str) -> None:
    """The reader was answered with a book built before (or told their copy is
    current): a read of the record, as building it would have audited."""
    repo.audit(READ, "health-book", patients=(patient_id,), entities=(f"Patient/{patient_id}",),
               description=description)  # fmt: skip
