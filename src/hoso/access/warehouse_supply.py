"""Group 2 of the warehouse for a caller (issue 20 point 4; docs/warehouse-supply.md):
who may import a facility's staff, equipment and stock, adjust its ledger, and read the
counts — decided and audited here; the parsing and the arithmetic are
`hoso.warehouse.supply`'s, which calls this class through its `SupplyDoor` protocol.

- Facility staff (a clinician or the facility's system, whose token names the
  facility) import and read their own facility's data only; another facility's is
  refused (403) before anything is read or written.
- The operator does everything for every facility; a public-health officer reads every
  facility's aggregates and writes nothing.
- A resident, a steward, a DPO, an administrator: nothing of this (403).

Staff and devices are FHIR resources written through the caller's repository in ONE
unit of work per file (conditional on their identifiers: a file imported again creates
nothing new). The stock ledger is the store's append-only `wh_stock_entry`; every
append and every adjustment is audited naming the facility.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn, Protocol
from urllib.parse import unquote

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import CREATE, READ, UPDATE
from hoso.core import clock, jsonx
from hoso.core.errors import Conflict, FhirError
from hoso.fhir.repository import every_match

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["StockLedger", "SupplyAccess"]

SUBTYPE = "warehouse-supply"
STAFF_ROLES = (roles.CLINICIAN, roles.FACILITY_SYSTEM)
READ_ALL = (roles.OPERATOR, roles.OFFICER)


class StockLedger(Protocol):
    """`hoso.store.warehouse_supply.SqlStockLedger`, as the access layer uses it."""

    def append(self, rows: Sequence[Mapping[str, Any]], *, skip_known_sources: bool) -> int: ...
    def totals_by_source(self, facility: str, sources: Sequence[str]) -> dict[str, Decimal]: ...
    def entries(self, facilities: Sequence[str] | None, *, drug: str | None = None,
                limit: int = 200_000) -> list[Any]: ...  # fmt: skip


class SupplyAccess:
    def __init__(self, repo: AccessRepository, ledger: StockLedger) -> None:
        self.repo, self.ledger = repo, ledger

    @property
    def facility_system(self) -> str:
        return self.repo.settings.facility_system

    @property
    def agent(self) -> str:
        return self.repo.principal.agent

    # -- decisions ----------------------------------------------------------------------
    def check_writer(self, facility: str) -> None:
        """Refuse (403, audited) unless the caller may write `facility`'s data."""
        role, own = self.repo.principal.role, self.repo.principal.facility
        if role == roles.OPERATOR or (role in STAFF_ROLES and own and own == facility):
            return
        what = f"ghi dữ liệu cơ sở {facility[:16]} / write facility {facility[:16]}'s data"
        self._refuse(UPDATE, f"facility:{facility[:16]}", policy.denied(role, what))

    def read_scope(self) -> list[str] | None:
        """The facilities whose data the caller reads (None: every facility)."""
        role, own = self.repo.principal.role, self.repo.principal.facility
        if role in READ_ALL:
            return None
        if role in STAFF_ROLES and own:
            return [own]
        what = "xem kho dữ liệu nguồn lực / read the resources warehouse"
        self._refuse(READ, "warehouse-supply", policy.denied(role, what))

    def _refuse(self, action: str, entity: str, error: FhirError) -> NoReturn:
        """Audit the refusal (as every refused interaction is), then raise it."""

        def refuse() -> NoReturn:
            raise error

        self.repo.guarded(action, SUBTYPE, entity, refuse)
        raise error  # not reached: guarded re-raises

    # -- organisations ------------------------------------------------------------------
    def organizations(self, codes: Sequence[str] | None) -> dict[str, dict[str, Any]]:
        """Facility code → its Organization (those of `codes`; None: all)."""
        params = [] if codes is None else [("identifier", ",".join(
            f"{self.facility_system}|{c}" for c in codes))]  # fmt: skip
        found: dict[str, dict[str, Any]] = {}
        for hit in every_match(self.repo, "Organization", params):
            org = dict(jsonx.loads(hit.content))
            for ident in org.get("identifier") or []:
                if isinstance(ident, dict) and ident.get("system") == self.facility_system:
                    found.setdefault(str(ident.get("value")), org | {"id": hit.id})
        return found

    def _organization_ref(self, facility: str) -> dict[str, Any]:
        ident = {"system": self.facility_system, "value": facility}
        org = self.organizations([facility]).get(facility)
        return {"reference": f"Organization/{org['id']}", "identifier": ident} if org else {
            "identifier": ident}  # fmt: skip

    # -- writes ------------------------------------------------------------------------
    def write_resources(self, facility: str, kind: str,
                        items: Sequence[tuple[str, dict[str, Any], str, dict[str, Any] | None]],
                        *, upsert: bool = False) -> dict[str, int]:  # fmt: skip
        """One file's resources in ONE unit of work: for each item, a conditional create
        (`criteria`, resource; with `upsert` a conditional update, so a changed row
        changes the resource) and, optionally, a conditional update of a second resource
        that points at the first (`role_criteria`, role: its `practitioner` is set here).
        Every write is the repository's (policy, validation, audit); a failure anywhere
        rolls the whole file back. Counts of what was created and updated."""
        self.check_writer(facility)
        organization = self._organization_ref(facility)
        counts = {"created": 0, "matched": 0, "updated": 0, "unchanged": 0}
        with self.repo.unit_of_work() as uow:
            for criteria, resource, second_criteria, second in items:
                for field in ("owner", "managingOrganization"):
                    if field in resource:
                        resource = resource | {field: organization}
                if upsert:
                    self._check_owner(uow, facility, resource["resourceType"], criteria)
                    if self._unchanged(uow, resource, criteria):
                        counts["unchanged"] += 1
                        continue
                    found = uow.conditional_update(resource["resourceType"], criteria, resource)
                    counts["created" if found.created else "updated"] += 1
                else:
                    found = uow.create(resource, if_none_exist=criteria)
                    counts["matched" if found.matched_existing else "created"] += 1
                if second is None:
                    continue
                second = second | {"organization": organization, "practitioner": {
                    "reference": f"{found.stored.resource_type}/{found.stored.id}"}}  # fmt: skip
                if self._unchanged(uow, second, second_criteria):
                    counts["unchanged"] += 1
                    continue
                result = uow.conditional_update(second["resourceType"], second_criteria, second)
                counts["created" if result.created else "updated"] += 1
            uow.audit(CREATE, SUBTYPE, entities=(f"facility:{facility}", f"import:{kind}"),
                      description=f"nhập {kind}: {len(items)} dòng / imported {len(items)} "
                                  f"rows; {counts}")  # fmt: skip
        return counts

    @staticmethod
    def _unchanged(uow: AccessRepository, resource: dict[str, Any], criteria: str) -> bool:
        """The one resource the criteria find already says this (a file sent again):
        no new version for nothing."""
        name, _, value = criteria.partition("=")
        hits = uow.search(resource["resourceType"], [(name, unquote(value))]).matches
        if len(hits) != 1:
            return False
        stored = {k: v for k, v in jsonx.loads(hits[0].content).items() if k not in ("id", "meta")}
        return stored == jsonx.loads(jsonx.dumps(resource))

    def _check_owner(self, uow: AccessRepository, facility: str, resource_type: str,
                     criteria: str) -> None:  # fmt: skip
        """A device another facility owns is not this facility's to change, whatever
        code its file gives it (409, and the whole file rolls back)."""
        name, _, value = criteria.partition("=")
        for hit in uow.search(resource_type, [(name, unquote(value))]).matches:
            owner = (dict(jsonx.loads(hit.content)).get("owner") or {}).get("identifier") or {}
            if owner.get("value") not in (None, facility):
                raise Conflict(f"{resource_type} {unquote(value).split('|')[-1][:64]} thuộc cơ "
                               f"sở khác / belongs to another facility",
                               expression=[resource_type])  # fmt: skip

    def append_stock(self, facility: str, rows: Sequence[Mapping[str, Any]], what: str, *,
                     skip_known_sources: bool = True,
                     medications: Sequence[tuple[str, dict[str, Any]]] = ()) -> int:  # fmt: skip
        """Ledger rows of one facility, appended in one transaction (after the Medications
        they name, created once each), audited. The number of rows added."""
        self.check_writer(facility)
        if any(row["facility"] != facility for row in rows):
            raise policy.denied(self.repo.principal.role, "ghi sổ kho của cơ sở khác / "
                                "write another facility's ledger")  # fmt: skip
        if medications:
            with self.repo.unit_of_work() as uow:
                for criteria, medication in medications:
                    uow.create(medication, if_none_exist=criteria)
        stamped = [dict(row) | {"agent": self.agent, "recorded_at": clock.now_us()}
                   for row in rows]  # fmt: skip
        added = self.ledger.append(stamped, skip_known_sources=skip_known_sources)
        self.repo.audit(UPDATE, SUBTYPE, entities=(f"facility:{facility}", f"stock:{what}"),
                        description=f"sổ kho: {added}/{len(rows)} dòng thêm / stock ledger: "
                                    f"{added} of {len(rows)} entries added")  # fmt: skip
        return added

    def ledger_totals(self, facility: str, sources: Sequence[str]) -> dict[str, Decimal]:
        self.check_writer(facility)
        return self.ledger.totals_by_source(facility, sources)

    # -- reads --------------------------------------------------------------------------
    def _read(self, what: str, scope: list[str] | None) -> None:
        self.repo.audit(READ, SUBTYPE, entities=tuple(f"facility:{f}" for f in scope or ["*"]),
                        description=what)  # fmt: skip

    def ledger_entries(self) -> tuple[list[str] | None, list[Any]]:
        scope = self.read_scope()
        entries = self.ledger.entries(scope)
        self._read("sổ kho / stock ledger", scope)
        return scope, entries

    def resources(self, resource_type: str, params: Sequence[tuple[str, str]] = ()
                  ) -> tuple[list[str] | None, list[dict[str, Any]]]:  # fmt: skip
        """The caller's scope and the resources of a type in their view (searched through
        their repository, so the policy and the audit are the reads' own)."""
        scope = self.read_scope()
        hits = every_match(self.repo, resource_type, list(params))
        return scope, [dict(jsonx.loads(h.content)) | {"id": h.id} for h in hits]

    def dispenses(self, facility: str, since: str | None) -> list[dict[str, Any]]:
        """The completed MedicationDispenses the facility performed (since a day), to
        sync into its ledger."""
        self.check_writer(facility)
        org = self.organizations([facility]).get(facility)
        if org is None:
            return []
        params = [("performer", f"Organization/{org['id']}"), ("status", "completed")]
        if since:
            params.append(("_lastUpdated", f"ge{since}"))
        return [dict(jsonx.loads(h.content)) | {"id": h.id}
                for h in every_match(self.repo, "MedicationDispense", params)]  # fmt: skip
