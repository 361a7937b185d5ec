"""`AccessRepository`: the Repository every API handler and CLI command gets.

Each call: ask the policy whether the interaction is allowed at all, run it on the
store under the caller's `Visibility` (so a hidden record is simply not there: 404,
no count, no include), then append an AuditEvent. A write's entry is appended in the
write's own transaction; a read's entry is committed (group commit) before the call
returns; a refused or failed call is recorded too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl

import jsonpatch

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit import audit_row
from hoso.access.audit_record import (
    CREATE,
    DELETE,
    EXECUTE,
    MINOR_FAILURE,
    READ,
    SUCCESS,
    UPDATE,
    AuditRecord,
    AuditTrail,
)
from hoso.access.deidentify import check_deidentified_search, deidentify
from hoso.access.principal import Principal
from hoso.core import clock, jsonx
from hoso.core.errors import FhirError, Forbidden, InvalidRequest, ResourceNotFound
from hoso.core.settings import Settings
from hoso.fhir.audit_row import AuditRow
from hoso.fhir.repository import (
    HistoryPage,
    Hit,
    SearchPage,
    StoredResource,
    WriteResult,
)
from hoso.fhir.visibility import Visibility

T = TypeVar("T")
_MINUTE_US = 60_000_000
CASE_REPORT = "http://loinc.org|55751-2"  # LOINC: Public health Case report


class GuardedStore(Protocol):
    """What the access layer needs of the store: the Repository calls with a
    `visibility`, plus the audit chain and break-the-glass grants."""

    def read(self, resource_type: str, id: str, *, visibility: Visibility | None = None
             ) -> StoredResource: ...  # fmt: skip
    def vread(self, resource_type: str, id: str, version: int, *,
              visibility: Visibility | None = None) -> StoredResource: ...  # fmt: skip
    def visible(self, resource_type: str, id: str, visibility: Visibility | None) -> bool: ...
    def search(self, resource_type: str | None, params: list[tuple[str, str]], *,
               lenient: bool = False, cursor: str | None = None,
               visibility: Visibility | None = None) -> SearchPage: ...  # fmt: skip
    def compartment(self, patient_id: str, types: Sequence[str], *, since_us: int | None = None,
                    count: int = 50, cursor: str | None = None,
                    visibility: Visibility | None = None) -> SearchPage: ...  # fmt: skip
    def history(self, resource_type: str | None, id: str | None, *, since_us: int | None = None,
                count: int | None = None, cursor: str | None = None,
                visibility: Visibility | None = None) -> HistoryPage: ...  # fmt: skip
    def create(self, resource: dict[str, Any], *, if_none_exist: str | None = None
               ) -> WriteResult: ...  # fmt: skip
    def update(self, resource_type: str, id: str, resource: dict[str, Any], *,
               if_match: int | None = None) -> WriteResult: ...  # fmt: skip
    def conditional_update(self, resource_type: str, criteria: str, resource: dict[str, Any]
                           ) -> WriteResult: ...  # fmt: skip
    def patch(self, resource_type: str, id: str, operations: list[Any], *,
              if_match: int | None = None) -> WriteResult: ...  # fmt: skip
    def delete(self, resource_type: str, id: str) -> StoredResource | None: ...
    def break_glass_patients(self, agent: str, now_us: int) -> frozenset[str]: ...
    def append_audit(self, rows: Sequence[AuditRow]) -> None: ...
    def unit_of_work(self) -> Any: ...


class AuditReader(Protocol):
    def for_patient(
        self, patient_id: str, *, before: int | None, count: int
    ) -> list[tuple[int, str]]: ...


class AccessRepository:
    def __init__(
        self,
        store: GuardedStore,
        principal: Principal,
        trail: AuditTrail,
        settings: Settings,
        *,
        pseudonym_key: bytes,
        audit_receipts: list[Future[None]] | None = None,
        in_transaction: bool = False,
        audit_reader: AuditReader | None = None,
    ) -> None:
        self._store = store
        self._audit_reader = audit_reader
        self.principal = principal
        self._trail = trail
        # Given a list, entries are queued and their futures collected there, for the
        # HTTP layer to wait on before anything is sent; otherwise each append waits.
        self._receipts = audit_receipts
        self._settings = settings
        self._key = pseudonym_key
        self._in_transaction = in_transaction
        self._pending: list[AuditRow] = []
        self._failures: list[AuditRecord] = []
        self._views: dict[str, Visibility] = {}

    # -- the decision ------------------------------------------------------------------
    def visibility(self, permission: str = "r") -> Visibility:
        if permission not in self._views:
            now = clock.now_us()
            grants: frozenset[str] = frozenset()
            if self.principal.role == roles.CLINICIAN:
                grants = self._store.break_glass_patients(self.principal.agent, now)
            self._views[permission] = policy.visibility_for(
                self.principal,
                # To the minute, so that one caller's requests share one view and its
                # SQL (hoso.store.sql.visibility): a Consent's period then starts or ends
                # up to a minute late; consent changes and break-the-glass are exact.
                now_us=now - now % _MINUTE_US,
                care_window_days=self._settings.care_window_days,
                break_glass=grants,
                permission=permission,
            )
        return self._views[permission]

    @property
    def deidentifies(self) -> bool:
        return self.principal.role == roles.OFFICER

    # -- audit -------------------------------------------------------------------------
    def _audit(
        self,
        action: str,
        subtype: str,
        *,
        outcome: str = SUCCESS,
        patients: Sequence[str | None] = (),
        entities: Sequence[str] = (),
        description: str | None = None,
        query: str | None = None,
    ) -> None:
        p = self.principal
        grants = self._views.get("r", policy.Visibility()).label_exempt_patients
        entry = AuditRecord(
            action=action,
            subtype=subtype,
            outcome=outcome,
            agent=p.agent,
            role=p.role,
            facility=p.facility,
            client_id=p.claims.client_id,
            patients=tuple(dict.fromkeys(x for x in patients if x)),
            entities=tuple(entities),
            purpose=p.purpose,
            source_ip=p.source_ip,
            description=description,
            break_glass=p.role == roles.CLINICIAN and any(x in grants for x in patients),
            query=query,
        )
        if self._in_transaction and outcome == SUCCESS:
            self._pending.append(audit_row(entry))
        else:
            self._record(entry)

    def _record(self, entry: AuditRecord) -> None:
        if self._receipts is None:
            self._trail.record(entry)
        else:
            self._receipts.append(self._trail.submit(entry))

    def _guarded(self, action: str, subtype: str, entity: str, fn: Callable[[], T]) -> T:
        """Run `fn`; a refusal or an error is audited outside any transaction (which the
        error rolls back): at once, or when the enclosing unit of work has ended."""
        try:
            return fn()
        except FhirError as exc:
            failure = AuditRecord(
                action=action,
                subtype=subtype,
                outcome=MINOR_FAILURE,
                agent=self.principal.agent,
                role=self.principal.role,
                facility=self.principal.facility,
                client_id=self.principal.claims.client_id,
                entities=(entity,),
                purpose=self.principal.purpose,
                source_ip=self.principal.source_ip,
                description=f"{exc.http_status} {type(exc).__name__}",
            )
            if self._in_transaction:
                self._failures.append(failure)
            else:
                self._record(failure)
            raise

    # -- reads -------------------------------------------------------------------------
    def _shown(self, stored: StoredResource) -> StoredResource:
        if not self.deidentifies or self._named_in_case_report(stored.patient_id):
            return stored
        content = jsonx.dumps_str(deidentify(jsonx.loads(stored.content), self._key))
        return StoredResource(
            stored.resource_type,
            stored.id,
            stored.version,
            stored.last_updated_us,
            stored.deleted,
            content,
            None,
        )

    def read(self, resource_type: str, id: str) -> StoredResource:
        def run() -> StoredResource:
            policy.authorize(self.principal, resource_type, "r")
            return self._store.read(resource_type, id, visibility=self.visibility())

        stored = self._guarded(READ, "read", f"{resource_type}/{id}", run)
        self._audit(READ, "read", patients=[stored.patient_id], entities=[stored.location])
        return self._shown(stored)

    def vread(self, resource_type: str, id: str, version: int) -> StoredResource:
        def run() -> StoredResource:
            policy.authorize(self.principal, resource_type, "r")
            v = self.visibility()
            stored = self._store.vread(resource_type, id, version, visibility=v)
            if policy.version_hidden(
                self.principal, v, jsonx.loads(stored.content), stored.patient_id
            ):
                self._store.read(resource_type, "\x00", visibility=v)  # the same 404
            return stored

        stored = self._guarded(READ, "vread", f"{resource_type}/{id}", run)
        self._audit(READ, "vread", patients=[stored.patient_id], entities=[stored.location])
        return self._shown(stored)

    def search(
        self,
        resource_type: str | None,
        params: list[tuple[str, str]],
        *,
        lenient: bool = False,
        cursor: str | None = None,
    ) -> SearchPage:
        def run() -> SearchPage:
            for rtype in self._searched_types(resource_type, params):
                policy.authorize(self.principal, rtype, "s")
            if self.deidentifies:
                check_deidentified_search(resource_type, params)
            return self._store.search(
                resource_type,
                params,
                lenient=lenient,
                cursor=cursor,
                visibility=self.visibility("s"),
            )

        subtype = "search-type" if resource_type else "search-system"
        page = self._guarded(READ, subtype, resource_type or "*", run)
        hits = [*page.matches, *page.includes]
        self._audit(
            READ,
            subtype,
            patients=[h.patient_id for h in hits],
            entities=[resource_type or "*"],
            query="&".join(f"{k}={v}" for k, v in params),
        )
        if self.deidentifies:
            page = SearchPage(
                self._shown_hits(page.matches),
                self._shown_hits(page.includes),
                page.total,
                page.next_cursor,
            )
        return page

    def _searched_types(
        self, resource_type: str | None, params: list[tuple[str, str]]
    ) -> list[str]:
        if resource_type:
            return [resource_type]
        named = [t for k, v in params if k == "_type" for t in v.split(",") if t]
        return named or ["*"]  # without _type, only a scope on every type will do

    def compartment(
        self,
        patient_id: str,
        types: Sequence[str],
        *,
        since_us: int | None = None,
        count: int = 50,
        cursor: str | None = None,
    ) -> SearchPage:
        def run() -> SearchPage:
            policy.authorize(self.principal, "Patient", "r")
            if self.deidentifies and not self._named_in_case_report(patient_id):
                raise Forbidden(
                    "Chỉ xem được toàn bộ hồ sơ người có báo cáo ca bệnh / "
                    "The whole record is shown only for persons named in a case report"
                )
            allowed = [t for t in types if self.principal.scopes.allows(t, "r")]
            return self._store.compartment(
                patient_id,
                allowed,
                since_us=since_us,
                count=count,
                cursor=cursor,
                visibility=self.visibility(),
            )

        page = self._guarded(READ, "operation", f"Patient/{patient_id}", run)
        self._audit(
            READ,
            "operation",
            patients=[patient_id],
            entities=[f"Patient/{patient_id}/$everything"],
        )
        return page

    def history(
        self,
        resource_type: str | None,
        id: str | None,
        *,
        since_us: int | None = None,
        count: int | None = None,
        cursor: str | None = None,
    ) -> HistoryPage:
        entity = "/".join(x for x in (resource_type, id) if x) or "*"

        def run() -> HistoryPage:
            if self.deidentifies:
                raise Forbidden(
                    "Lịch sử phiên bản không có ở dạng khử định danh / "
                    "History is not available de-identified"
                )
            policy.authorize(self.principal, resource_type or "*", "r" if id else "s")
            v = self.visibility("r" if id else "s")
            page = self._store.history(
                resource_type, id, since_us=since_us, count=count, cursor=cursor, visibility=v
            )
            kept = [
                e
                for e in page.entries
                if e.stored.deleted
                or not policy.version_hidden(
                    self.principal, v, jsonx.loads(e.stored.content), e.stored.patient_id
                )
            ]
            return HistoryPage(kept, page.total, page.next_cursor)

        page = self._guarded(READ, "history", entity, run)
        self._audit(
            READ,
            "history",
            patients=[e.stored.patient_id for e in page.entries],
            entities=[entity],
        )
        return page

    def _named_in_case_report(self, patient_id: str | None) -> bool:
        if patient_id is None:
            return True  # not personal: nothing to de-identify
        return bool(self._case_report_patients([patient_id]))

    def _case_report_patients(self, patient_ids: Sequence[str]) -> set[str]:
        ids = sorted(set(patient_ids))
        if not ids:
            return set()
        page = self._store.search(
            "Composition",
            [
                ("type", CASE_REPORT),
                ("subject", ",".join(f"Patient/{p}" for p in ids)),
                ("_elements", "subject"),
                ("_count", "1000"),
            ],
        )
        return {h.patient_id for h in page.matches if h.patient_id}

    def _shown_hits(self, hits: list[Hit]) -> list[Hit]:
        named = self._case_report_patients([h.patient_id for h in hits if h.patient_id])
        shown = []
        for hit in hits:
            if hit.patient_id is None or hit.patient_id in named:
                shown.append(hit)
                continue
            resource = deidentify(jsonx.loads(hit.content), self._key)
            shown.append(Hit(resource["resourceType"], resource["id"], jsonx.dumps_str(resource)))
        return shown

    # -- writes ------------------------------------------------------------------------
    @contextmanager
    def unit_of_work(self) -> Iterator[AccessRepository]:
        """Calls on the yielded repository commit together with their audit entries."""
        if self._in_transaction:
            yield self
            return
        inner: AccessRepository | None = None
        try:
            with self._store.unit_of_work() as session:
                inner = AccessRepository(
                    session,
                    self.principal,
                    self._trail,
                    self._settings,
                    pseudonym_key=self._key,
                    audit_receipts=self._receipts,
                    in_transaction=True,
                )
                inner._views = self._views
                yield inner
                if inner._pending:
                    session.append_audit(inner._pending)
        finally:
            for failure in inner._failures if inner is not None else ():
                self._record(failure)

    def _write(self, action: str, subtype: str, entity: str, fn: Callable[[AccessRepository], T]
               ) -> T:  # fmt: skip
        def run() -> T:
            with self.unit_of_work() as uow:
                return fn(uow)

        return self._guarded(action, subtype, entity, run)

    def _writable(self, resource_type: str, id: str) -> None:
        """The current version must be one the caller may change (else the same 404 as a
        missing one); a clinician's emergency-summary view does not let them write."""
        v = policy.without_summary(self.visibility())
        if not self._store.visible(resource_type, id, v):
            raise ResourceNotFound(
                f"Không tìm thấy {resource_type}/{id} / {resource_type}/{id} not found"
            )
        if self.principal.role in (roles.RESIDENT, *policy.CLINICAL_ROLES):
            current = self._store.read(resource_type, id)
            source = (jsonx.loads(current.content).get("meta") or {}).get("source")
            if resource_type != "Patient" and source != self.principal.source:
                raise Forbidden(
                    f"Chỉ nơi tạo ra {resource_type}/{id} mới được sửa / "
                    f"Only the author of {resource_type}/{id} may change it"
                )

    def _check_result(self, result: WriteResult, resource: dict[str, Any] | None) -> WriteResult:
        """After the write, in its transaction: the record must be one the caller may
        write for; otherwise raising rolls the write back."""
        stored = result.stored
        if resource is not None:
            policy.check_care_links(self.principal, resource)
        if result.matched_existing:
            # A conditional create that found its match wrote nothing: a read.
            self._audit(READ, "read", patients=[stored.patient_id], entities=[stored.location])
            return result
        new_patient = stored.resource_type == "Patient" and result.created
        checked = self.principal.role != roles.OPERATOR and not new_patient
        if checked and stored.patient_id is not None:
            v = policy.write_reach(self.visibility())
            if not self._store.visible("Patient", stored.patient_id, v) and not (
                resource is not None and policy.care_links(resource)
            ):
                raise Forbidden(
                    "Không có quan hệ điều trị hay ủy quyền với người bệnh này / "
                    "No care relationship with, or authority over, this patient",
                    expression=[stored.resource_type],
                )
        self._audit(
            CREATE if result.created else UPDATE,
            "create" if result.created else "update",
            patients=[stored.patient_id],
            entities=[stored.location],
        )
        return result

    def create(self, resource: dict[str, Any], *, if_none_exist: str | None = None) -> WriteResult:
        _require_object(resource)
        rtype = str(resource.get("resourceType", "Resource"))

        def run(uow: AccessRepository) -> WriteResult:
            policy.authorize(self.principal, rtype, "c")
            stamped = policy.stamp(self.principal, resource)
            result = uow._store.create(stamped, if_none_exist=if_none_exist)
            return uow._check_result(result, stamped)

        return self._write(CREATE, "create", rtype, run)

    def update(
        self,
        resource_type: str,
        id: str,
        resource: dict[str, Any],
        *,
        if_match: int | None = None,
    ) -> WriteResult:
        _require_object(resource)

        def run(uow: AccessRepository) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            current = None
            if uow._store.visible(resource_type, id, None):
                uow._writable(resource_type, id)
                current = uow._store.read(resource_type, id)
            else:
                policy.authorize(self.principal, resource_type, "c")  # update as create
            stamped = policy.stamp(self.principal, resource, _source(current))
            result = uow._store.update(resource_type, id, stamped, if_match=if_match)
            return uow._check_result(result, stamped)

        return self._write(UPDATE, "update", f"{resource_type}/{id}", run)

    def conditional_update(
        self, resource_type: str, criteria: str, resource: dict[str, Any]
    ) -> WriteResult:
        _require_object(resource)
        def run(uow: AccessRepository) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            policy.authorize(self.principal, resource_type, "s")
            matches = uow.search(resource_type, [*_criteria(criteria), ("_count", "2")])
            for hit in matches.matches:
                uow._writable(resource_type, hit.id)
            stamped = policy.stamp(self.principal, resource)
            result = uow._store.conditional_update(resource_type, criteria, stamped)
            return uow._check_result(result, stamped)

        return self._write(UPDATE, "update", resource_type, run)

    def patch(
        self, resource_type: str, id: str, operations: list[Any], *, if_match: int | None = None
    ) -> WriteResult:
        def run(uow: AccessRepository) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            uow._writable(resource_type, id)
            if self.principal.role == roles.OPERATOR:
                result = uow._store.patch(resource_type, id, operations, if_match=if_match)
                return uow._check_result(result, None)
            # Patched as a whole new version so that labels and source are stamped on
            # the result, whatever the operations touched.
            current = uow._store.read(resource_type, id)
            try:
                patched = jsonpatch.apply_patch(jsonx.loads(current.content), operations)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                raise InvalidRequest(
                    f"JSON Patch không áp dụng được / JSON Patch failed: {exc}"
                ) from None
            stamped = policy.stamp(self.principal, patched, _source(current))
            version = if_match if if_match is not None else current.version
            result = uow._store.update(resource_type, id, stamped, if_match=version)
            return uow._check_result(result, stamped)

        return self._write(UPDATE, "patch", f"{resource_type}/{id}", run)

    def delete(self, resource_type: str, id: str) -> StoredResource | None:
        def run(uow: AccessRepository) -> StoredResource | None:
            policy.authorize(self.principal, resource_type, "d")
            if uow._store.visible(resource_type, id, None):
                uow._writable(resource_type, id)
            deleted = uow._store.delete(resource_type, id)
            if deleted is not None:
                uow._audit(
                    DELETE,
                    "delete",
                    patients=[deleted.patient_id],
                    entities=[f"{resource_type}/{id}"],
                )
            return deleted

        return self._write(DELETE, "delete", f"{resource_type}/{id}", run)

    # -- break-the-glass and "who accessed my record" -------------------------------
    def break_glass(self, patient_id: str, reason: str) -> int:
        """Open a clinician's whole view of one resident for a while; returns the end
        (µs). The grant and its flagged audit entry commit together."""
        entity = f"Patient/{patient_id}"

        def run(uow: AccessRepository) -> int:
            if self.principal.role != roles.CLINICIAN:
                raise policy.denied(self.principal.role, "phá kính / break the glass")
            policy.authorize(self.principal, "Patient", "r")
            if len(reason.strip()) < 10:
                raise InvalidRequest(
                    "Cần nêu lý do (ít nhất 10 ký tự) / A reason of at least 10 characters "
                    "is required",
                    expression=["Parameters.parameter.where(name='reason')"],
                )
            uow._store.read("Patient", patient_id, visibility=self.visibility())
            now = clock.now_us()
            expires = now + self._settings.break_glass_minutes * 60 * 1_000_000
            uow._store.grant_break_glass(
                agent=self.principal.agent,
                facility=self.principal.facility,
                patient_id=patient_id,
                reason=reason.strip(),
                started=now,
                expires=expires,
            )
            uow._pending.append(
                audit_row(
                    AuditRecord(
                        action=EXECUTE,
                        subtype="break-glass",
                        outcome=SUCCESS,
                        agent=self.principal.agent,
                        role=self.principal.role,
                        facility=self.principal.facility,
                        client_id=self.principal.claims.client_id,
                        patients=(patient_id,),
                        entities=(entity,),
                        purpose="ETREAT",
                        source_ip=self.principal.source_ip,
                        description=reason.strip(),
                        break_glass=True,
                    )
                )
            )
            return expires

        expires = self._write(EXECUTE, "break-glass", entity, run)
        self._views.clear()  # this request's later calls see the grant
        return expires

    def access_log(
        self, patient_id: str, *, before: int | None = None, count: int = 50
    ) -> list[tuple[int, dict[str, Any]]]:
        """Who accessed this resident's record: for the resident (and a guardian) the
        facility, role, time, purpose and break-the-glass flag; the DPO sees it whole."""
        entity = f"Patient/{patient_id}/$access-log"

        def run() -> list[tuple[int, dict[str, Any]]]:
            own = patient_id in self.principal.patients
            if not own and self.principal.role != roles.DPO:
                raise ResourceNotFound(
                    f"Không tìm thấy Patient/{patient_id} / Patient/{patient_id} not found"
                )
            assert self._audit_reader is not None
            rows = self._audit_reader.for_patient(patient_id, before=before, count=count)
            events = [(seq, jsonx.loads(content)) for seq, content in rows]
            return [(seq, for_resident(e)) for seq, e in events] if own else events

        events = self._guarded(READ, "access-log", entity, run)
        self._audit(READ, "access-log", patients=[patient_id], entities=[entity])
        return events


def for_resident(event: dict[str, Any]) -> dict[str, Any]:
    """An AuditEvent as the resident sees it: which facility, role, when, why; not the
    staff member's identity, address or the query (their privacy and the system's)."""
    shown = {k: v for k, v in event.items() if k not in ("entity", "source")}
    agents = []
    for agent in event.get("agent") or []:
        kept = {k: v for k, v in agent.items() if k in ("type", "requestor", "purposeOfUse")}
        if not agent.get("requestor"):
            kept["who"] = agent.get("who")  # the facility
        agents.append(kept)
    shown["agent"] = agents
    return shown


def _source(stored: StoredResource | None) -> str | None:
    if stored is None or stored.deleted:
        return None
    source = (jsonx.loads(stored.content).get("meta") or {}).get("source")
    return source if isinstance(source, str) else None


def _require_object(resource: Any) -> None:
    """The policy reads the body before the store validates it: refuse a non-object."""
    if not isinstance(resource, dict):
        raise InvalidRequest(
            "Nội dung phải là một tài nguyên FHIR (đối tượng JSON) / "
            "Body must be a FHIR resource (a JSON object)",
            expression=["resourceType"],
        )


def _criteria(criteria: str) -> list[tuple[str, str]]:
    return parse_qsl(criteria, keep_blank_values=True)
