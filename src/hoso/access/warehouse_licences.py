"""The licence registry for a caller (issue 20 point 5; docs/warehouse-licences.md).

- Import (the operator: `hoso warehouse import-licences`): a register's rows become
  Practitioner qualifications or Organization licence extensions, each with its
  VerificationResult, written through the caller's repository (decided and audited as
  every write) in ONE unit of work per file: a file with any bad row writes nothing and
  every problem is reported by line. Idempotent on numbers: a number already held is
  updated in place, and a row that changes nothing writes nothing (no new version).
- Lists (public-health officers and the operator): expiring licences and the registry's
  counts. The registry holds no resident's data (practitioners' names and numbers are
  published by the Sở Y tế); the read is audited once, naming what was read.
- Public verification (`verify`): no caller at all; only the registry's two resource
  types are read, by number. An unknown number and one withheld from the public
  register (`an`) get the same answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import READ
from hoso.core import clock
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.core.text import fold
from hoso.fhir.store import Session, Store
from hoso.warehouse.licences import model as m
from hoso.warehouse.licences.rows import Problem, parse_certificates, parse_facilities
from hoso.warehouse.licences.sheets import SheetError, read_sheet
from hoso.warehouse.licences.validity import Alert, alerts, standing

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["ImportReport", "LicenceRegistry", "registry_licences", "verify"]

LIST_ROLES = (roles.OFFICER, roles.OPERATOR)
CERTIFICATES, FACILITIES = "certificates", "facilities"
KINDS = (CERTIFICATES, FACILITIES)
PAGE = 500
MAX_NUMBER = 40  # characters of a licence number the public form accepts
NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z/.\- ]{0,39}")


@dataclass
class ImportReport:
    kind: str
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "rows": self.rows,
                "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "problems": [{"line": p.line, "column": p.column, "message": p.message}
                             for p in self.problems]}  # fmt: skip


def _bare(resource: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if resource is None else {k: v for k, v in resource.items() if k != "meta"}


def _stable_id(prefix: str, number: str) -> str:
    """The VerificationResult of one licence number keeps one id (R4 VerificationResult has
    no identifier, and the store indexes no `target` parameter for it)."""
    return f"{prefix}-{hashlib.sha256(number.encode()).hexdigest()[:40]}"


def _pages(session: Session, resource_type: str, params: list[tuple[str, str]]
           ) -> Iterator[dict[str, Any]]:  # fmt: skip
    import orjson

    cursor = None
    while True:
        page = session.search(resource_type, [*params, ("_count", str(PAGE))], cursor=cursor)
        for hit in page.matches:
            yield orjson.loads(hit.content)
        cursor = page.next_cursor
        if not cursor:
            return


def registry_licences(session: Session) -> list[m.Certificate | m.FacilityLicence]:
    """Every certificate and operating licence the store holds."""
    found: list[m.Certificate | m.FacilityLicence] = []
    for practitioner in _pages(session, "Practitioner", [("identifier", m.NUMBER_SYSTEM + "|")]):
        found += m.certificates_of(practitioner)
    for org in _pages(session, "Organization", [("identifier", m.GPHD_SYSTEM + "|")]):
        if (lic := m.facility_licence_of(org)) is not None:
            found.append(lic)
    return found


class LicenceRegistry:
    def __init__(self, repo: AccessRepository) -> None:
        self.repo = repo

    def _require(self, allowed: Sequence[str], what: str) -> None:
        if self.repo.principal.role not in allowed:
            raise policy.denied(self.repo.principal.role, what)

    # -- import -----------------------------------------------------------------------
    def import_file(self, data: bytes, kind: str, source: str, stated: date) -> ImportReport:
        """One register file (CSV or XLSX) as `kind` ("certificates" | "facilities"):
        every row written in one unit of work, or nothing when any row is bad."""
        self._require((roles.OPERATOR,), "nhập giấy phép / import licences")
        if kind not in KINDS:
            raise InvalidRequest(f"Loại không hợp lệ / unknown kind: {kind[:20]!r}")
        if not source.strip() or len(source) > 500:
            raise InvalidRequest("Cần nguồn (≤ 500 ký tự) / a source (≤ 500 characters)")
        report = ImportReport(kind, source.strip())
        try:
            rows = read_sheet(data)
        except SheetError as exc:
            report.problems.append(Problem(0, "-", str(exc)))
            return report
        if kind == CERTIFICATES:
            certs, report.problems = parse_certificates(rows)
            if not report.problems:
                self.import_certificates(certs, report.source, stated, report)
        else:
            facilities, report.problems = parse_facilities(rows)
            if not report.problems:
                self.import_facilities(facilities, report.source, stated, report)
        return report

    def import_certificates(self, parsed: Sequence[tuple[int, m.Certificate]], source: str,
                            source_date: date, report: ImportReport) -> None:  # fmt: skip
        self._require((roles.OPERATOR,), "nhập giấy phép / import licences")
        with self.repo.unit_of_work() as uow:
            writer = _Writer(uow, source, source_date, report)
            for _line, cert in parsed:
                writer.certificate(cert)

    def import_facilities(self, parsed: Sequence[tuple[int, m.FacilityLicence]], source: str,
                          source_date: date, report: ImportReport) -> None:  # fmt: skip
        self._require((roles.OPERATOR,), "nhập giấy phép / import licences")
        with self.repo.unit_of_work() as uow:
            writer = _Writer(uow, source, source_date, report)
            for _line, lic in parsed:
                writer.facility(lic)

    # -- lists ------------------------------------------------------------------------
    def licences(self) -> list[m.Certificate | m.FacilityLicence]:
        self._require(LIST_ROLES, "xem sổ giấy phép / read the licence registry")
        with self.repo.session() as session:
            found = registry_licences(session)
        self.repo.audit(READ, "licence-registry", entities=("Practitioner", "Organization"),
                        description=f"sổ giấy phép / licence registry: {len(found)}")  # fmt: skip
        return found

    def expiring(self, days: int, today: date | None = None) -> list[Alert]:
        if not 0 <= days <= 3660:
            raise InvalidRequest("Số ngày phải từ 0 đến 3660 / days must be 0–3660")
        return alerts(self.licences(), today or clock.today_vn(), days)


class _Writer:
    """The writes of one file, in the caller's unit of work."""

    def __init__(self, uow: AccessRepository, source: str, source_date: date,
                 report: ImportReport) -> None:  # fmt: skip
        self.uow, self.source, self.source_date, self.report = uow, source, source_date, report
        self.issuers: dict[str, str] = {}
        self.now = clock.fhir_instant(clock.now())

    def _one(self, resource_type: str, params: list[tuple[str, str]]) -> dict[str, Any] | None:
        import orjson

        page = self.uow.search(resource_type, [*params, ("_count", "1")])
        return orjson.loads(page.matches[0].content) if page.matches else None

    def issuer(self, name: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:64] or "khong-ro"
        if slug not in self.issuers:
            found = self._one("Organization", [("identifier", f"{m.ISSUER_SYSTEM}|{slug}")])
            if found is None:
                authority = {"resourceType": "Organization", "name": name,
                             "identifier": [{"system": m.ISSUER_SYSTEM, "value": slug}]}
                found = {"id": self.uow.create(authority).stored.id}
            self.issuers[slug] = f"Organization/{found['id']}"
        return self.issuers[slug]

    def _save(self, before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[str, bool]:
        """Create or update; (id, whether anything was written)."""
        if before is None:
            return self.uow.create(after).stored.id, True
        if _bare(before) == _bare(after):
            return str(before["id"]), False
        self.uow.update(after["resourceType"], str(before["id"]), after)
        return str(before["id"]), True

    def _verification(self, target: str, location: str, number: str, status: str) -> bool:
        vid = _stable_id("gp", number)
        try:
            import orjson

            before = orjson.loads(self.uow.read("VerificationResult", vid).content)
        except ResourceNotFound:
            before = None
        after = {**m.verification_result(target, location, self.source, self.source_date,
                                         status, self.now), "id": vid}  # fmt: skip
        if before is not None:
            same = {k: v for k, v in after.items() if k not in ("statusDate", "lastPerformed")}
            if same == {k: v for k, v in _bare(before).items()  # type: ignore[union-attr]
                        if k not in ("statusDate", "lastPerformed")}:  # fmt: skip
                return False
        self.uow.update("VerificationResult", vid, after)
        return True

    def _count(self, created: bool, changed: bool) -> None:
        self.report.rows += 1
        if created:
            self.report.created += 1
        elif changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def certificate(self, cert: m.Certificate) -> None:
        before = self._one("Practitioner", [("identifier", f"{m.NUMBER_SYSTEM}|{cert.number}")])
        after = dict(before or {"resourceType": "Practitioner",
                                "name": [{"text": cert.holder}]})  # fmt: skip
        quals = [q for q in after.get("qualification") or []
                 if not any(i.get("value") == cert.number for i in q.get("identifier") or [])]
        after["qualification"] = [*quals, m.qualification(cert, self.issuer(cert.issuer))]
        idents = list(after.get("identifier") or [])
        if not any(i.get("system") == m.NUMBER_SYSTEM and i.get("value") == cert.number
                   for i in idents):  # fmt: skip
            idents.append({"system": m.NUMBER_SYSTEM, "value": cert.number})
        after["identifier"] = idents
        pid, changed = self._save(before, after)
        verified = self._verification(f"Practitioner/{pid}",
                                      m.qualification_location(cert.number), cert.number,
                                      cert.status)  # fmt: skip
        self._count(before is None, changed or verified)

    def _organization(self, lic: m.FacilityLicence) -> dict[str, Any] | None:
        facility_system = self.uow.settings.facility_system
        if lic.facility_code:
            found = self._one("Organization",
                              [("identifier", f"{facility_system}|{lic.facility_code}")])
            if found is not None:
                return found
        return self._one("Organization", [("identifier", f"{m.GPHD_SYSTEM}|{lic.number}")])

    def facility(self, lic: m.FacilityLicence) -> None:
        before = self._organization(lic)
        after = dict(before or {"resourceType": "Organization", "active": True})
        after.setdefault("name", lic.name)
        after.setdefault("address", [{"text": lic.address}])
        idents = [i for i in after.get("identifier") or [] if i.get("system") != m.GPHD_SYSTEM]
        if lic.facility_code and not any(i.get("value") == lic.facility_code for i in idents):
            idents.append({"system": self.uow.settings.facility_system,
                           "value": lic.facility_code})  # fmt: skip
        after["identifier"] = [*idents, {"system": m.GPHD_SYSTEM, "value": lic.number}]
        others = [e for e in after.get("extension") or [] if e.get("url") != m.GPHD_EXT]
        after["extension"] = [*others, m.licence_extension(lic, self.issuer(lic.issuer))]
        oid, changed = self._save(before, after)
        verified = self._verification(f"Organization/{oid}", m.licence_location(lic.number),
                                      lic.number, lic.status)  # fmt: skip
        self._count(before is None, changed or verified)


# -- public verification ---------------------------------------------------------------
def check_number(raw: str | None) -> str:
    """The number a visitor typed, checked before anything is read (400 otherwise)."""
    if raw is None or not raw.strip():
        raise InvalidRequest("Thiếu số giấy phép / licence number missing")
    if len(raw) > MAX_NUMBER * 2 or not NUMBER.fullmatch(raw.strip()):
        raise InvalidRequest("Số giấy phép không hợp lệ / malformed licence number")
    return m.normalise_number(raw)


def _unknown(number: str, today: date) -> dict[str, Any]:
    return {"number": number, "found": False, "valid": False, "checkedOn": today.isoformat(),
            "kind": None, "holder": None, "title": None, "scopes": [], "issuer": None,
            "issued": None, "expires": None, "status": None, "reason": None}  # fmt: skip


def _answer(lic: m.Certificate | m.FacilityLicence, today: date) -> dict[str, Any]:
    verdict = standing(lic, today)
    cert = isinstance(lic, m.Certificate)
    return {
        "number": lic.number, "found": True, "valid": verdict.valid,
        "checkedOn": today.isoformat(), "kind": lic.kind if cert else "GPHD",
        "holder": lic.holder if cert else lic.name,
        "title": m.TITLES.get(lic.title) if cert else m.FACILITY_KINDS.get(lic.kind),
        "scopes": [m.SCOPES[s] for s in lic.scopes] if cert else [lic.scope] if lic.scope else [],
        "issuer": lic.issuer, "issued": lic.issued.isoformat(),
        "expires": verdict.valid_until.isoformat() if verdict.valid_until else None,
        "status": lic.status, "reason": verdict.reason or None,
    }  # fmt: skip


def verify(store: Store, raw_number: str | None, today: date | None = None) -> dict[str, Any]:
    """Is this licence valid today, for what, held by whom (the Sở Y tế's public register
    shows the same). Reads nothing but the registry's Practitioners and Organizations."""
    number, day = check_number(raw_number), today or clock.today_vn()
    found: list[m.Certificate | m.FacilityLicence] = []
    with store.unit_of_work(write=False) as session:
        for p in _pages(session, "Practitioner", [("identifier", f"{m.NUMBER_SYSTEM}|{number}")]):
            found += [c for c in m.certificates_of(p) if c.number == number]
        for org in _pages(session, "Organization", [("identifier", f"{m.GPHD_SYSTEM}|{number}")]):
            lic = m.facility_licence_of(org)
            if lic is not None and lic.number == number:
                found.append(lic)
    shown = [lic for lic in found if lic.status != m.HIDDEN]
    return _answer(shown[0], day) if shown else _unknown(number, day)
