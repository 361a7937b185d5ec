"""The registry's operations: import a register file, list what needs attention, verify
a number. They reach the store only through the door the composition root hands them
(`hoso.access.warehouse_licences`: decided and audited there).

Import: one file, one unit of work (`RegistryDoor.writer`); a file with any bad row
writes nothing and every problem is reported by line. Idempotent on numbers: the holder
of a number is found by it (`Practitioner.identifier`, `Organization.identifier`) and
updated in place; a row that changes nothing writes nothing, so no new version.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.core.settings import Settings
from hoso.core.text import fold
from hoso.warehouse.licences import model as m
from hoso.warehouse.licences.rows import Problem, parse_certificates, parse_facilities
from hoso.warehouse.licences.sheets import SheetError, read_sheet
from hoso.warehouse.licences.validity import Alert, alerts, standing

__all__ = ["CERTIFICATES", "FACILITIES", "KINDS", "ImportReport", "RegistryDoor",
           "check_number", "expiring", "import_file", "licences", "verify"]  # fmt: skip

CERTIFICATES, FACILITIES = "certificates", "facilities"
KINDS = (CERTIFICATES, FACILITIES)
MAX_NUMBER = 40  # characters of a licence number the public form accepts
NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z/.\- ]{0,39}")
Query = tuple[str, list[tuple[str, str]]]
REGISTRY: tuple[Query, ...] = (("Practitioner", [("identifier", m.NUMBER_SYSTEM + "|")]),
                               ("Organization", [("identifier", m.GPHD_SYSTEM + "|")]))


class RecordWriter(Protocol):
    settings: Settings

    def find_all(self, resource_type: str, params: list[tuple[str, str]]
                 ) -> list[dict[str, Any]]: ...  # fmt: skip
    def read(self, resource_type: str, id: str) -> dict[str, Any] | None: ...
    def create(self, resource: dict[str, Any], if_none_exist: str) -> tuple[str, bool]: ...
    def update(self, resource: dict[str, Any]) -> None: ...


class RegistryDoor(Protocol):
    """`hoso.access.warehouse_licences.LicenceAccess`."""

    def writer(self) -> AbstractContextManager[RecordWriter]: ...
    def registry(self, queries: Sequence[Query]) -> list[dict[str, Any]]: ...


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


def import_file(door: RegistryDoor, data: bytes, kind: str, source: str, stated: date
                ) -> ImportReport:  # fmt: skip
    """One register file (CSV or XLSX) as `kind`: all its rows in one unit of work, or
    nothing when any row is bad. `source`/`stated`: who published it, and when."""
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
    parsed: Sequence[tuple[int, Any]]
    parsed, report.problems = (parse_certificates(rows) if kind == CERTIFICATES
                               else parse_facilities(rows))  # fmt: skip
    if report.problems:
        return report
    with door.writer() as writer:
        write = _Writer(writer, report, stated)
        write.known.load(writer, [lic for _, lic in parsed])
        one: Callable[[Any], None] = write.certificate if kind == CERTIFICATES else write.facility
        for _line, licence in parsed:
            one(licence)
    return report


def _bare(resource: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if resource is None else {k: v for k, v in resource.items() if k != "meta"}


def verification_id(number: str) -> str:
    """One licence's VerificationResult keeps one id: R4 gives it no identifier, and the
    store indexes no `target` parameter to find it by."""
    return f"gp-{hashlib.sha256(number.encode()).hexdigest()[:40]}"


SEARCH_VALUES = 100  # values one search may name (the store's limit)


class _Known:
    """The holders a file's rows will touch, read up front in a few searches (100
    identifiers each) rather than one per row; kept current as the file is written, with
    the VerificationResults written."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self.ids: dict[tuple[str, str, str], str] = {}  # (type, system, value) → id

    def remember(self, resource: dict[str, Any]) -> None:
        kind, rid = str(resource["resourceType"]), str(resource["id"])
        self.by_id[f"{kind}/{rid}"] = resource
        for ident in resource.get("identifier") or []:
            self.ids[(kind, str(ident.get("system")), str(ident.get("value")))] = rid

    def holder(self, kind: str, system: str, value: str) -> dict[str, Any] | None:
        rid = self.ids.get((kind, system, value))
        return self.by_id.get(f"{kind}/{rid}") if rid else None

    def _search(self, w: RecordWriter, kind: str, param: str, values: Sequence[str]) -> None:
        for start in range(0, len(values), SEARCH_VALUES):
            chunk = ",".join(values[start:start + SEARCH_VALUES])
            for resource in w.find_all(kind, [(param, chunk)]):
                self.remember(resource)

    def load(self, w: RecordWriter, licences: Sequence[m.Certificate | m.FacilityLicence]
             ) -> None:  # fmt: skip
        numbers = [lic.number for lic in licences]
        if licences and isinstance(licences[0], m.Certificate):
            self._search(w, "Practitioner", "identifier",
                         [f"{m.NUMBER_SYSTEM}|{n}" for n in numbers])  # fmt: skip
        else:
            codes = [lic.facility_code for lic in licences
                     if isinstance(lic, m.FacilityLicence) and lic.facility_code]  # fmt: skip
            self._search(w, "Organization", "identifier",
                         [f"{w.settings.facility_system}|{c}" for c in codes]
                         + [f"{m.GPHD_SYSTEM}|{n}" for n in numbers])  # fmt: skip


class _Writer:
    """The writes of one file."""

    def __init__(self, writer: RecordWriter, report: ImportReport, stated: date) -> None:
        self.w, self.report, self.stated = writer, report, stated
        self.known = _Known()
        self.issuers: dict[str, str] = {}
        self.now = clock.fhir_instant(clock.now())

    def issuer(self, name: str) -> str:
        """The authority's Organization (found by its folded name, or created)."""
        slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:64] or "khong-ro"
        if slug not in self.issuers:
            oid, _ = self.w.create({
                "resourceType": "Organization", "name": name,
                "identifier": [{"system": m.ISSUER_SYSTEM, "value": slug}]},
                f"identifier={m.ISSUER_SYSTEM}|{slug}")  # fmt: skip
            self.issuers[slug] = f"Organization/{oid}"
        return self.issuers[slug]

    def _save(self, before: dict[str, Any] | None, merge: Callable[[dict[str, Any] | None],
              dict[str, Any]], criteria: str) -> tuple[str, bool, bool]:  # fmt: skip
        """Create (conditionally on `criteria`) or update what `merge(before)` gives;
        (id, whether anything was written, whether it was created). Should another import
        have created the holder since `before` was read, merge into what it wrote."""
        after = merge(before)
        if before is None:
            made, created = self.w.create(after, criteria)
            if created:
                self.known.remember({**after, "id": made})
                return made, True, True
            before = self.w.read(after["resourceType"], made)
            after = merge(before)
        assert before is not None
        if _bare(before) == _bare({**after, "id": before["id"]}):
            return str(before["id"]), False, False
        self.w.update({**after, "id": before["id"]})
        self.known.remember({**after, "id": before["id"]})
        return str(before["id"]), True, False

    def _verification(self, target: str, location: str, number: str, status: str) -> bool:
        vid = verification_id(number)
        # One read by id (the store searches no VerificationResult parameter, `_id` included).
        cached = self.known.by_id.get(f"VerificationResult/{vid}")
        before = _bare(cached if cached is not None else self.w.read("VerificationResult", vid))
        after = {**m.verification_result(target, location, self.report.source, self.stated,
                                         status, self.now), "id": vid}  # fmt: skip
        moment = ("statusDate", "lastPerformed")  # a re-check of the same source changes none
        if before is not None and {k: v for k, v in before.items() if k not in moment} == {
                k: v for k, v in after.items() if k not in moment}:  # fmt: skip
            return False
        self.w.update(after)
        self.known.remember(after)
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
        criteria = f"identifier={m.NUMBER_SYSTEM}|{cert.number}"
        before = self._find("Practitioner", m.NUMBER_SYSTEM, cert.number)
        issuer = self.issuer(cert.issuer)

        def merge(found: dict[str, Any] | None) -> dict[str, Any]:
            after = dict(found or {"resourceType": "Practitioner",
                                   "name": [{"text": cert.holder}]})  # fmt: skip
            quals = [q for q in after.get("qualification") or [] if not any(
                i.get("value") == cert.number for i in q.get("identifier") or [])]  # fmt: skip
            after["qualification"] = [*quals, m.qualification(cert, issuer)]
            idents = list(after.get("identifier") or [])
            if not any(i.get("system") == m.NUMBER_SYSTEM and i.get("value") == cert.number
                       for i in idents):  # fmt: skip
                idents.append({"system": m.NUMBER_SYSTEM, "value": cert.number})
            after["identifier"] = idents
            return after

        pid, changed, created = self._save(before, merge, criteria)
        verified = self._verification(f"Practitioner/{pid}",
                                      m.qualification_location(cert.number), cert.number,
                                      cert.status)  # fmt: skip
        self._count(created, changed or verified)

    def _find(self, kind: str, system: str, value: str) -> dict[str, Any] | None:
        """The holder as read up front (`_Known.load`) or written since: no search here,
        and a holder another import creates meanwhile is met by the conditional create."""
        return self.known.holder(kind, system, value)

    def _organization(self, lic: m.FacilityLicence) -> dict[str, Any] | None:
        if lic.facility_code:
            found = self._find("Organization", self.w.settings.facility_system,
                               lic.facility_code)  # fmt: skip
            if found is not None:
                return found
        return self._find("Organization", m.GPHD_SYSTEM, lic.number)

    def facility(self, lic: m.FacilityLicence) -> None:
        """The licence on the facility's Organization (its own record kept), or a new one."""
        before = self._organization(lic)
        issuer = self.issuer(lic.issuer)
        code_system = self.w.settings.facility_system

        def merge(found: dict[str, Any] | None) -> dict[str, Any]:
            after = dict(found or {"resourceType": "Organization", "active": True})
            after.setdefault("name", lic.name)
            after.setdefault("address", [{"text": lic.address}])
            idents = [i for i in after.get("identifier") or []
                      if i.get("system") != m.GPHD_SYSTEM]  # fmt: skip
            if lic.facility_code and not any(i.get("value") == lic.facility_code
                                             for i in idents):  # fmt: skip
                idents.append({"system": code_system, "value": lic.facility_code})
            after["identifier"] = [*idents, {"system": m.GPHD_SYSTEM, "value": lic.number}]
            others = [e for e in after.get("extension") or [] if e.get("url") != m.GPHD_EXT]
            after["extension"] = [*others, m.licence_extension(lic, issuer)]
            return after

        criteria = (f"identifier={code_system}|{lic.facility_code}" if lic.facility_code
                    else f"identifier={m.GPHD_SYSTEM}|{lic.number}")  # fmt: skip
        oid, changed, created = self._save(before, merge, criteria)
        verified = self._verification(f"Organization/{oid}", m.licence_location(lic.number),
                                      lic.number, lic.status)  # fmt: skip
        self._count(created, changed or verified)


def _licences_of(resources: Sequence[dict[str, Any]]) -> list[m.Certificate | m.FacilityLicence]:
    found: list[m.Certificate | m.FacilityLicence] = []
    for resource in resources:
        if resource.get("resourceType") == "Practitioner":
            found += m.certificates_of(resource)
        elif (lic := m.facility_licence_of(resource)) is not None:
            found.append(lic)
    return found


def licences(door: RegistryDoor) -> list[m.Certificate | m.FacilityLicence]:
    """Every certificate and operating licence the store holds."""
    return _licences_of(door.registry(REGISTRY))


def expiring(door: RegistryDoor, days: int, today: date | None = None) -> list[Alert]:
    if not 0 <= days <= 3660:
        raise InvalidRequest("Số ngày phải từ 0 đến 3660 / days must be 0–3660")
    return alerts(licences(door), today or clock.today_vn(), days)


# -- public verification ---------------------------------------------------------------
def check_number(raw: str | None) -> str:
    """The number a visitor typed, checked before anything is read (400 otherwise)."""
    if raw is None or not raw.strip():
        raise InvalidRequest("Thiếu số giấy phép / licence number missing")
    if len(raw) > MAX_NUMBER * 2 or not NUMBER.fullmatch(raw.strip()):
        raise InvalidRequest("Số giấy phép không hợp lệ / malformed licence number")
    return m.normalise_number(raw)


def number_queries(number: str) -> list[Query]:
    return [("Practitioner", [("identifier", f"{m.NUMBER_SYSTEM}|{number}")]),
            ("Organization", [("identifier", f"{m.GPHD_SYSTEM}|{number}")])]  # fmt: skip


def _unknown(number: str, today: date) -> dict[str, Any]:
    return {"number": number, "found": False, "valid": False, "checkedOn": today.isoformat(),
            "kind": None, "holder": None, "title": None, "scopes": [], "issuer": None,
            "issued": None, "expires": None, "status": None, "reason": None,
            "source": None}  # fmt: skip


def _source(verification: dict[str, Any] | None) -> dict[str, Any] | None:
    """The register the licence was imported from, as its VerificationResult says."""
    for check in (verification or {}).get("primarySource") or []:
        return {"name": (check.get("who") or {}).get("display"),
                "date": check.get("validationDate"),
                "checked": (verification or {}).get("statusDate")}  # fmt: skip
    return None


def _answer(lic: m.Certificate | m.FacilityLicence, today: date) -> dict[str, Any]:
    verdict = standing(lic, today)
    if isinstance(lic, m.Certificate):
        kind, holder, title = lic.kind, lic.holder, m.TITLES.get(lic.title)
        scopes = [m.SCOPES[s] for s in lic.scopes if s in m.SCOPES]
    else:
        kind, holder, title = "GPHD", lic.name, m.FACILITY_KINDS.get(lic.kind)
        scopes = [lic.scope] if lic.scope else []
    return {
        "number": lic.number, "found": True, "valid": verdict.valid,
        "checkedOn": today.isoformat(), "kind": kind, "holder": holder, "title": title,
        "scopes": scopes, "issuer": lic.issuer, "issued": lic.issued.isoformat(),
        "expires": verdict.valid_until.isoformat() if verdict.valid_until else None,
        "status": lic.status, "reason": verdict.reason or None, "source": None,
    }  # fmt: skip


def verify(read: Callable[[Sequence[Query]], list[dict[str, Any]]], raw_number: str | None,
           today: date | None = None,
           verification: Callable[[str], dict[str, Any] | None] | None = None
           ) -> dict[str, Any]:  # fmt: skip
    """Is this licence valid today, for what, held by whom (what the Sở Y tế's public
    register shows), and from which register. `read` and `verification`: `hoso.access.
    warehouse_licences.public_registry` and `public_verification` bound to the store. A
    number withheld from the public register answers as an unknown one."""
    number, day = check_number(raw_number), today or clock.today_vn()
    found = [lic for lic in _licences_of(read(number_queries(number)))
             if lic.number == number and lic.status != m.HIDDEN]  # fmt: skip
    if not found:
        return _unknown(number, day)
    answer = _answer(found[0], day)
    if verification is not None:
        answer["source"] = _source(verification(verification_id(number)))
    return answer
