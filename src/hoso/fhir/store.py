"""The store contract: everything a store gives the layers above it, in one `Session`
reached through `Store.unit_of_work()`.

The SQL store (`hoso.store.sql_store.SqlStore`) implements it on SQLite and PostgreSQL;
`tests/contract/` runs every operation against it on both, so another store (an
in-memory one for fast tests, a sharded one) proves itself by passing the same suite.
Nobody but the access layer holds a `Store`: the composition roots (`hoso.api`,
`hoso.cli`) build it and hand the rest an access-wrapped `Repository`.

`visibility` arguments are the caller's view (`hoso.fhir.visibility`), compiled by the
store into every statement; `None` is the server's own unrestricted view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from hoso.core.errors import Issue
from hoso.core.settings import Settings
from hoso.fhir.audit_row import AuditRow
from hoso.fhir.booking_tables import BookingTables
from hoso.fhir.change_feed import ChangeFeed
from hoso.fhir.quality import QualityCheck, QualityIssue
from hoso.fhir.repository import HistoryPage, Hit, SearchPage, StoredResource, WriteResult
from hoso.fhir.visibility import Visibility

__all__ = [
    "AccessTables",
    "AuditTables",
    "BatchOutcome",
    "BulkRow",
    "BulkTables",
    "MatchCandidate",
    "MatchQueue",
    "PageRow",
    "PatientIndex",
    "PreparedRows",
    "QualityFacts",
    "QualityTables",
    "RowBuilder",
    "ScoreRow",
    "Session",
    "Store",
    "StoreHooks",
]


@dataclass(frozen=True, slots=True)
class MatchCandidate:
    """A pair of Patients the MPI thinks may be one resident (`patient_a` < `patient_b`)
    and what a data steward decided."""

    id: int
    patient_a: str
    patient_b: str
    weight: float
    probability: float
    grade: str  # certain | possible
    origin: str  # online | batch
    status: str  # open | merged | rejected | superseded
    details: str  # JSON: the comparison levels
    created: int
    decided: int | None
    decided_by: str | None


@dataclass(frozen=True, slots=True)
class BulkRow:
    """A current resource as a bulk read streams it (canonical JSON, as stored)."""

    resource_type: str
    id: str
    content: str
    patient_id: str | None


@dataclass(slots=True)
class PreparedRows:
    """One resource made ready off the database by a `RowBuilder` (in a worker process):
    the rows a single write would store, in the store's own layout."""

    resource_type: str
    id: str
    patient_id: str | None
    cccds: tuple[str, ...]
    opens_care: bool  # it records a care link
    content: str  # the resource as stored (canonical JSON)
    rows: list[Any] = field(default_factory=list)  # the store's layout; opaque above it
    last_updated_us: int = 0  # its version's lastUpdated: the change feed's `committed`


@dataclass(frozen=True, slots=True)
class PageRow:
    """A current resource with its row number (`seq`, the store's order of writing)."""

    seq: int
    resource_type: str
    id: str
    patient_id: str | None
    content: str


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One scorecard snapshot row: a run × rule (× facility × ward when named)."""

    run_id: int
    facility: str
    ward: str
    rule: str
    checked: int
    failing: int
    findings: int


@dataclass(frozen=True, slots=True)
class QualityFacts:
    """What the record-wide quality rules need to know of every resident."""

    covered: set[str]  # residents with a current Coverage (a BHYT card)
    last_vital_signs: dict[str, int]  # resident → end (µs) of the newest vital signs
    care_starts: dict[str, int]  # resident → start (µs) of the earliest care recorded
    open_duplicates: set[str]  # residents in an undecided MPI pair


@dataclass
class BatchOutcome:
    """What became of each prepared resource of a bulk batch, by its index."""

    written: list[int] = field(default_factory=list)  # new, copied in
    updated: list[int] = field(default_factory=list)  # stored before: a new version
    skipped: list[int] = field(default_factory=list)  # stored before, unchanged
    refused: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # (path, why)


class RowBuilder(Protocol):
    """Builds `PreparedRows` from a stamped resource; picklable, for worker processes."""

    def build(self, resource: dict[str, Any], seq: int, method: str) -> PreparedRows: ...


class PatientIndex(Protocol):
    """The hook through which the master patient index (`hoso.identity`, which the store
    may not import) decides every Patient the store creates."""

    def create_patient(
        self, session: Session, resource: dict[str, Any],
        write: Callable[[dict[str, Any]], WriteResult], *, attach: bool = True,
    ) -> WriteResult:  # fmt: skip
        """Inside `session`'s transaction: the matching resident's record
        (`matched_existing`), or `write(resource)` with any possible matches noted;
        `attach=False` writes a match too, queued as a possible one."""
        ...


# (errors, warnings) of a Patient's identifiers under the server's settings.
IdentifierRules = Callable[[dict[str, Any], Settings], tuple[list[Issue], list[Issue]]]


@dataclass(frozen=True)
class StoreHooks:
    """What the composition root plugs into a store: the rules it may not import.

    - `patient_index`: the MPI, for every Patient create;
    - `quality`: the data-quality rules, refreshed by every write;
    - `identifier_rules`: (errors, warnings) of a Patient's identifiers (CCCD, BHYT…);
    - `cccds`: a Patient's current CCCDs, which the store keeps unique among residents.
    """

    patient_index: PatientIndex | None = None
    quality: QualityCheck | None = None
    identifier_rules: IdentifierRules | None = None
    cccds: Callable[[dict[str, Any], str], list[str]] | None = None


class AuditTables(Protocol):
    """The audit chain (`hoso.access.audit` writes the entries)."""

    def append(self, rows: Sequence[AuditRow]) -> None:
        """Append to the chain in this unit of work: committed with its change."""
        ...

    def for_patient(self, patient_id: str, *, before: int | None, count: int
                    ) -> list[tuple[int, str]]:  # fmt: skip
        """(seq, AuditEvent JSON) about one resident, newest first."""
        ...


class AccessTables(Protocol):
    """What the access policy keeps beside the records: break-the-glass grants and the
    watch on self-claimed care (`hoso.access.care_claims`)."""

    def consent_refusals(self, patient_ids: list[str], purpose: str, now_us: int
                         ) -> dict[str, set[str | None]]:  # fmt: skip
        """Per resident, the categories (label codes; None: all) refused for `purpose`."""
        ...

    def grant_break_glass(self, *, agent: str, facility: str | None, patient_id: str,
                          reason: str, started: int, expires: int) -> str: ...  # fmt: skip
    def break_glass_patients(self, agent: str, now_us: int) -> frozenset[str]: ...
    def case_linked_patients(self, officer: str, patient_ids: list[str]) -> set[str]:
        """Of `patient_ids`, the persons of cases linked to `officer` and their contacts
        (the public-health case link: what an officer may see identified)."""
        ...
    def count_care_claim(self, agent: str, facility: str | None, hour_us: int, now_us: int
                         ) -> tuple[int, int | None]: ...  # fmt: skip
    def busiest_care_claim_hour(self, agent: str, since_us: int, before_us: int) -> int: ...
    def flag_anomaly(self, anomaly: dict[str, Any]) -> bool: ...
    def anomalies(self, since_us: int) -> list[dict[str, Any]]: ...


class MatchQueue(Protocol):
    """The MPI's pairs of Patients that may be one resident, and stewards' decisions."""

    def add(self, rows: Sequence[dict[str, Any]]) -> int: ...
    def open(self, *, limit: int, offset: int) -> list[MatchCandidate]: ...
    def count_by_status(self) -> dict[str, int]: ...
    def get(self, candidate_id: int, *, lock: bool = False) -> MatchCandidate | None: ...
    def decide_open(self, candidate_id: int, status: str, by: str, at_us: int) -> bool: ...
    def follow_merge(self, source: str, target: str, by: str, at_us: int) -> int: ...


class BulkTables(Protocol):
    """Bulk import batches and streamed reads (export, whole-store jobs)."""

    def stored_versions(self, keys: Iterable[tuple[str, str]]
                        ) -> dict[tuple[str, str], tuple[bool, str]]: ...  # fmt: skip
    def taken_cccds(self, cccds: Sequence[str]) -> dict[str, str]: ...
    def write_batch(self, items: Sequence[PreparedRows]) -> None: ...
    def first_new_seq(self) -> int: ...
    def dangling_references(self, from_seq: int, limit: int = 1000) -> list[Any]: ...
    def current_page(self, resource_type: str, *, after: str, limit: int,
                     since_us: int | None = None, patients: Sequence[str] | None = None,
                     visibility: Visibility | None = None) -> list[BulkRow]: ...  # fmt: skip


class PseudonymAliases(Protocol):
    """The pseudonyms de-identified views handed out (`hoso.access.deidentify`)."""

    def remember(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """(key fingerprint, resource type, pseudonym, id) rows; known ones are kept."""
        ...

    def lookup(self, key_fp: str, resource_type: str, alias: str) -> str | None: ...


class QualityTables(Protocol):
    """Data-quality findings, batch runs and the scorecard (`hoso.ingest.quality`)."""

    def findings(self, resource_type: str, id: str) -> list[QualityIssue]:
        """The findings on the current version of `resource_type/id`, rule by rule."""
        ...

    def locked_page(self, after: int, size: int) -> list[PageRow]:
        """The next `size` current resources after row `after`, locked till the end."""
        ...

    def replace_issues(self, found: Sequence[tuple[PageRow, Sequence[QualityIssue]]]) -> int:
        """Every finding of these resources replaced by the given ones; the row count."""
        ...
    def facts(self) -> QualityFacts: ...
    def start_run(self, started_us: int) -> int: ...
    def finish_run(self, run_id: int, finished_us: int, resources: int, issues: int,
                   scores: Sequence[ScoreRow]) -> None: ...  # fmt: skip
    def latest_runs(self, limit: int) -> list[tuple[int, int, int, int]]: ...
    def scores(self, run_ids: Sequence[int], facility: str | None, ward: str | None
               ) -> list[ScoreRow]: ...  # fmt: skip
    def breakdown(self, run_id: int, by: str, facility: str | None, ward: str | None
                  ) -> list[tuple[str, int, int, int]]: ...  # fmt: skip


class Session(Protocol):
    """One unit of work: every call commits together when it ends, or none does. The
    records are the FHIR interactions; the rest hangs off it by concern."""

    settings: Settings
    audit: AuditTables
    access: AccessTables
    matches: MatchQueue
    bulk: BulkTables
    feed: ChangeFeed  # every committed write in commit order (hoso.fhir.change_feed)
    quality: QualityTables
    aliases: PseudonymAliases
    booking: BookingTables  # issue 21: seats, queue numbers, slips

    # -- records (https://hl7.org/fhir/R4/http.html) --------------------------------------
    def read(self, resource_type: str, id: str, *, visibility: Visibility | None = None
             ) -> StoredResource: ...  # fmt: skip
    def vread(self, resource_type: str, id: str, version: int, *,
              visibility: Visibility | None = None) -> StoredResource: ...  # fmt: skip
    def visible(self, resource_type: str, id: str, visibility: Visibility | None, *,
                live: bool = False) -> bool: ...  # fmt: skip
    def search(self, resource_type: str | None, params: list[tuple[str, str]], *,
               lenient: bool | None = False, cursor: str | None = None,
               visibility: Visibility | None = None) -> SearchPage: ...  # fmt: skip
    def search_any(self, resource_type: str, searches: Sequence[list[tuple[str, str]]], *,
                   visibility: Visibility | None = None) -> list[Hit]:  # fmt: skip
        """The resources matching any of `searches` (each its first `_count`), each
        once, oldest write first; in one round trip however many searches."""
        ...

    def compartment(self, patient_id: str, types: Sequence[str], *, since_us: int | None = None,
                    count: int = 50, cursor: str | None = None,
                    visibility: Visibility | None = None) -> SearchPage: ...  # fmt: skip
    def compartment_state(self, patient_id: str) -> tuple[int, int]:
        """A token that changes whenever the Patient's compartment does: (the last
        change-feed position naming the Patient, the live resources naming it)."""
        ...

    def history(self, resource_type: str | None, id: str | None, *,
                since_us: int | None = None, count: int | None = None,
                cursor: str | None = None, visibility: Visibility | None = None
                ) -> HistoryPage: ...  # fmt: skip
    def create(self, resource: dict[str, Any], *, if_none_exist: str | None = None,
               id: str | None = None, match_visibility: Visibility | None = None
               ) -> WriteResult: ...  # fmt: skip
    def update(self, resource_type: str, id: str, resource: dict[str, Any], *,
               if_match: int | None = None, method: str = "PUT") -> WriteResult: ...  # fmt: skip
    def conditional_update(self, resource_type: str, criteria: str, resource: dict[str, Any], *,
                           match_visibility: Visibility | None = None,
                           client_id_allowed: bool = True) -> WriteResult: ...  # fmt: skip
    def delete(self, resource_type: str, id: str) -> StoredResource | None: ...
    def lock(self, *keys: str) -> None:
        """Serialise this unit of work with others that lock any of the same keys (in
        one round trip, in an order that cannot deadlock)."""
        ...

    def unit_of_work(self) -> AbstractContextManager[Session]:
        """This session itself (it is one): code written against `Repository` runs in it."""
        ...

    def savepoint(self) -> AbstractContextManager[object]:
        """A part of the unit of work that rolls back alone when its block raises."""
        ...


class Store(Protocol):
    settings: Settings

    def unit_of_work(
        self,
        *,
        write: bool = True,
        check_references: bool = True,
        reference_visibility: Visibility | None = None,
    ) -> AbstractContextManager[Session]:
        """One transaction. References written in it are checked when it ends (so a
        transaction Bundle may write resources that point at each other in any order),
        within `reference_visibility`: a target outside it is as unresolved as none."""
        ...

    def row_builder(self) -> RowBuilder:
        """Builds the rows of bulk-imported resources, in worker processes."""
        ...

    def reserve_seqs(self, count: int) -> list[int] | None:
        """Row numbers for `count` resources prepared off the database, or None when the
        store numbers them itself as they are written."""
        ...
