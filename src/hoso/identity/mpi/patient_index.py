"""The MPI as the store's `PatientIndex`: every Patient create passes here, inside the
creating transaction.

Concurrency: before looking, the transaction takes a lock per CCCD and per birth date
(and its day/month swap) of the incoming record, so two facilities registering one
resident at the same moment are serialised and the second finds the first's record.
The database's unique current-CCCD rule stays the last line of defence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from hoso.core import clock, jsonx
from hoso.core.errors import Conflict, Issue
from hoso.fhir.repository import WriteResult
from hoso.fhir.store import Session
from hoso.identity.mpi.features import patient_features
from hoso.identity.mpi.model import MatchModel, load_model
from hoso.identity.mpi.online import Resolution, SearchAny, resolve_patient
from hoso.identity.mpi.review_rows import candidate_row

__all__ = ["OnlinePatientIndex", "online_patient_index"]


class OnlinePatientIndex:
    def __init__(self, model: MatchModel, cccd_system: str) -> None:
        self.model = model
        self.cccd_system = cccd_system

    @staticmethod
    def _search_any(session: Session) -> SearchAny:
        def run(searches: list[list[tuple[str, str]]]) -> Iterator[dict[str, Any]]:
            # The store's own search, unrestricted: the MPI must see every resident to
            # find the one this record belongs to. One statement for all the searches.
            for hit in session.search_any("Patient", searches):
                yield jsonx.loads(hit.content)

        return run

    def resolve(self, session: Session, resource: dict[str, Any]) -> Resolution:
        features = patient_features(resource, self.cccd_system)
        keys = {f"mpi:cccd:{features['cccd']}"} if features["cccd"] else set()
        keys |= {f"mpi:birth:{d}" for d in (features["birth_date"], features["birth_swapped"])
                 if d}
        session.lock(*keys)
        return resolve_patient(resource, self._search_any(session), self.model, self.cccd_system)

    def create_patient(self, session: Session, resource: dict[str, Any],
                       write: Callable[[dict[str, Any]], WriteResult], *,
                       attach: bool = True) -> WriteResult:  # fmt: skip
        """`attach=False` (a create at the caller's own id): a match is not attached to
        the resident on file but written and queued for a steward, as a possible match."""
        found = self.resolve(session, resource)
        if found.outcome == "match" and not attach:
            found = replace(found, outcome="possible")
        if found.outcome == "match" and found.patient_id is not None:
            existing = session.read("Patient", found.patient_id)
            vi, en = (("số CCCD", "CCCD") if found.by == "cccd"
                      else ("so khớp xác suất", "probabilistic match"))
            note = Issue(
                "information", "informational",
                f"Người dân đã có hồ sơ Patient/{found.patient_id} ({vi}); "
                f"dữ liệu gắn vào hồ sơ này / The resident already has Patient/"
                f"{found.patient_id} ({en}); the data attaches to it",
                ("Patient",),
            )
            return WriteResult(existing, created=False, warnings=(note,), matched_existing=True)
        if found.outcome == "cccd-conflict":
            raise Conflict(
                f"Số CCCD đã thuộc về Patient/{found.patient_id} "
                "nhưng họ tên, ngày sinh không khớp: kiểm tra lại số CCCD / The CCCD belongs to "
                f"Patient/{found.patient_id} whose name and birth date do not agree: check the "
                "number",
                code="duplicate",
                expression=["Patient.identifier"],
            )
        result = write(resource)
        # An inactive record is no resident's live record: the batch leaves it out, and
        # so does the queue here.
        if found.outcome != "possible" or resource.get("active", True) is False:
            return result
        now_us = int(clock.now().timestamp() * 1_000_000)
        # The model's own grade, as the batch queues it: "certain" when two residents
        # both match (a duplicate already in the store), which a person decides.
        rows = [
            candidate_row(result.stored.id, c.patient_id, weight=c.score.weight,
                          probability=c.score.probability, grade=c.score.grade,
                          origin="online", levels=c.score.levels, created_us=now_us)
            for c in found.candidates
        ]
        session.matches.add(rows)
        note = Issue(
            "warning", "informational",
            f"Có thể trùng với {len(rows)} hồ sơ đã có; đã chuyển cho cán bộ quản lý dữ liệu "
            f"xem xét / May be the same resident as {len(rows)} existing record(s); sent to a "
            "data steward for review",
            ("Patient",),
        )
        return WriteResult(result.stored, created=result.created,
                           warnings=(*result.warnings, note))


def online_patient_index(cccd_system: str) -> OnlinePatientIndex:
    """The MPI with the packaged model: the hook the composition root gives the store
    (`StoreHooks.patient_index`), so that no Patient reaches the store around it."""
    return OnlinePatientIndex(load_model(), cccd_system)
