"""The booking service's door (issue 21; docs/booking.md): who may book for whom, on
which channel, and the one transaction each booking step runs in — the seat, the
Appointment, the queue number and the audit entry commit together or not at all.
The rules of booking (`hoso.booking.service`) run inside `transaction()`; this module
decides and records, nothing more.

- A resident books, holds and cancels for themselves and the children on their record
  (`principal.patients`); any other id is refused alike, whether it exists or not.
- A call-centre agent (`call-centre`) acts for any resident, found by CCCD or phone, on
  the channel `call-centre`; everything they do is audited naming the resident.
- Facility staff (a clinician, the facility's system) book at their counter (channel
  `counter`), check residents in and overbook — at their own facility only.
- The operator does everything (scripts, the sweeper); anyone else: 403.

Appointments are written with the server's reach (a resident may not write
Appointments through FHIR; the counter may book a resident not yet in its care) but
stamped with the acting user (`booking-agent` extension) and audited as the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import EXECUTE, MINOR_FAILURE
from hoso.core import jsonx
from hoso.core.errors import FhirError, Forbidden, ResourceNotFound
from hoso.fhir.booking_tables import BookingTables
from hoso.fhir.store import Session

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["BookingAccess", "BookingTx"]

STAFF = (roles.CLINICIAN, roles.FACILITY_SYSTEM)
CHANNEL_OF_ROLE = {roles.CALL_CENTRE: "call-centre", roles.CLINICIAN: "counter",
                   roles.FACILITY_SYSTEM: "counter"}  # fmt: skip
SUBTYPE = "booking"


class BookingTx:
    """One booking transaction: the store session with the server's reach, the
    booking tables, and the audit of the caller."""

    def __init__(self, door: BookingAccess, session: Session, uow: AccessRepository | None
                 ) -> None:  # fmt: skip
        self.door, self._s, self._uow = door, session, uow

    @property
    def tables(self) -> BookingTables:
        return self._s.booking

    def read(self, resource_type: str, id: str) -> dict[str, Any] | None:
        """A resource as stored (server's view), None when absent or deleted."""
        try:
            return jsonx.loads(self._s.read(resource_type, id).content)
        except ResourceNotFound:
            return None
        except Exception as exc:  # gone (410) reads as absent here
            if type(exc).__name__ == "ResourceGone":
                return None
            raise

    def search(self, resource_type: str, params: list[tuple[str, str]]) -> list[dict[str, Any]]:
        page = self._s.search(resource_type, params)
        return [jsonx.loads(hit.content) for hit in page.matches]

    def create(self, resource: dict[str, Any], id: str) -> dict[str, Any]:
        return jsonx.loads(self._s.create(resource, id=id).stored.content)

    def update(self, resource: dict[str, Any]) -> dict[str, Any]:
        written = self._s.update(resource["resourceType"], resource["id"], resource)
        return jsonx.loads(written.stored.content)

    def lock_patient(self, patient_id: str) -> None:
        """Serialise this resident's bookings (per-resident limits are counted under it)."""
        self._s.lock(f"booking-patient:{patient_id}")

    def audit(self, operation: str, *, patients: tuple[str, ...], entities: tuple[str, ...],
              description: str) -> None:  # fmt: skip
        if self._uow is None:
            raise RuntimeError("a read-only look records nothing")
        self._uow.audit(EXECUTE, SUBTYPE, patients=patients,
                        entities=tuple(e for e in entities if e),
                        description=f"{operation}: {description}"[:1000])  # fmt: skip

    def require_staff(self, facility: str, what: str) -> None:
        self.door.require_staff(facility, what)


class BookingAccess:
    def __init__(self, repo: AccessRepository) -> None:
        self.repo = repo
        self._open = 0  # transactions open: a refusal inside one is audited when it ends

    # -- who ------------------------------------------------------------------------------
    @property
    def role(self) -> str:
        return self.repo.principal.role

    @property
    def agent(self) -> str:
        return self.repo.principal.agent

    @property
    def facility(self) -> str | None:
        return self.repo.principal.facility

    def channel(self, asked: str | None) -> str:
        """The channel a booking is recorded with: the caller's role decides it, except a
        resident's (web or app) and the operator's (any)."""
        if self.role in CHANNEL_OF_ROLE:
            return CHANNEL_OF_ROLE[self.role]
        if self.role == roles.RESIDENT:
            return asked if asked in ("web", "app") else "web"
        return asked if asked in ("web", "app", "call-centre", "counter") else "counter"

    def require_patient(self, patient_id: str) -> None:
        """Refuse (403, audited) unless the caller may book for `patient_id`."""
        role = self.role
        if role in (roles.OPERATOR, roles.CALL_CENTRE, *STAFF):
            return
        if role == roles.RESIDENT and patient_id in self.repo.principal.patients:
            return
        self._refuse(f"Patient/{patient_id[:64]}", policy.denied(
            role, "đặt lịch cho người này / book for this person"))  # fmt: skip

    def require_reader(self, patient_id: str) -> None:
        """Refuse (403, audited) unless the caller may read all of `patient_id`'s
        bookings, messages and waitlist: the resident, the call centre, the operator.
        Facility staff book for anyone at their counter but read only their own
        facility's bookings (`facility_scope`), never a resident's messages."""
        if self.role in (roles.OPERATOR, roles.CALL_CENTRE):
            return
        if self.role == roles.RESIDENT and patient_id in self.repo.principal.patients:
            return
        self._refuse(f"Patient/{patient_id[:64]}", policy.denied(
            self.role, "xem lịch hẹn của người này / read this person's bookings"))  # fmt: skip

    @property
    def facility_scope(self) -> str | None:
        """The one facility whose bookings the caller sees (facility staff), else None."""
        return self.facility if self.role in STAFF else None

    def require_staff(self, facility: str, what: str) -> None:
        """Refuse unless the caller is the operator or staff of `facility`."""
        if self.role == roles.OPERATOR or (self.role in STAFF and self.facility == facility):
            return
        self._refuse(f"facility:{facility[:16]}", policy.denied(self.role, what))

    def require_any(self, allowed: tuple[str, ...], what: str) -> None:
        if self.role not in (roles.OPERATOR, *allowed):
            self._refuse("booking", policy.denied(self.role, what))

    def _refuse(self, entity: str, error: Forbidden) -> None:
        if self._open:
            raise error  # audited by transaction() once its unit has ended

        def fail() -> None:
            raise error

        self.repo.guarded(EXECUTE, SUBTYPE, entity, fail)

    def _audit_failure(self, entity: str, exc: FhirError) -> None:
        what = f"{exc.http_status} {type(exc).__name__}"
        entry = self.repo.auditor.entry(EXECUTE, SUBTYPE, outcome=MINOR_FAILURE,
                                        entities=(entity,), description=what)  # fmt: skip
        self.repo.auditor.record(entry, None)

    # -- the one transaction --------------------------------------------------------------
    @contextmanager
    def transaction(self, operation: str, entity: str) -> Iterator[BookingTx]:
        """One booking step: commits with its audit entry, or rolls back whole; a refusal
        (a full Slot's 409 included) is audited once the unit has ended."""
        try:
            self._open += 1
            try:
                with self.repo.unit_of_work(check_references=False) as uow, \
                        uow.session(write=True) as s:  # fmt: skip
                    yield BookingTx(self, s, uow)
            finally:
                self._open -= 1
        except FhirError as exc:  # the unit has ended: its refusal is audited now
            self._audit_failure(entity, exc)
            raise

    @contextmanager
    def reading(self) -> Iterator[BookingTx]:
        """A read-only look at the booking tables (`$find`: Slots and seats, no resident's
        data), outside any write transaction so that it never waits behind bookings."""
        with self.repo.session(write=False) as s:
            yield BookingTx(self, s, None)

    def read_patient(self, patient_id: str) -> dict[str, Any]:
        """The Patient through the caller's own view (audited as a read)."""
        return jsonx.loads(self.repo.read("Patient", patient_id).content)
