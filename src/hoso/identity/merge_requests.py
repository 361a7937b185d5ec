"""A facility's request to merge two records (HL7 v2 ADT^A40), as a pair for the data
stewards' review, never an automatic merge: the master patient index's merge has its
review rules, and a hospital's software saying two records are one person is a strong
hint, not a decision (it may have merged its own charts by mistake).

Both residents are found by CCCD in the facility's own view (its care relationships):
a CCCD it cannot see is answered as one that does not exist, so the request tells it
nothing about records it may not read. The pair is queued with the server's authority
(`run_as_server`, audited) with origin `hl7-a40`, the facility and the message id in
its details, probability 1 (asserted, not scored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoso.core import clock
from hoso.fhir.repository import Repository
from hoso.identity.mpi.review_rows import candidate_row

__all__ = ["MergeRequest", "request_merge"]

SENDERS = ("facility-system",)


@dataclass(frozen=True, slots=True)
class MergeRequest:
    surviving: str
    retired: str
    queued: bool  # False: the pair was already in the queue (or decided)

    @property
    def audit_patients(self) -> tuple[str, ...]:
        return (self.surviving, self.retired)

    @property
    def audit_entities(self) -> tuple[str, ...]:
        return ()

    @property
    def audit_description(self) -> str:
        return f"ADT^A40 Patient/{self.retired} → Patient/{self.surviving}: review queue"


def request_merge(repo: Repository, surviving_cccd: str, retired_cccd: str, *,
                  cccd_system: str, facility: str, message_id: str) -> str | None:  # fmt: skip
    """Queue the pair; None, or why not (Vietnamese / English)."""
    ids: list[str] = []
    for cccd in (surviving_cccd, retired_cccd):
        hits = repo.search("Patient", [("identifier", f"{cccd_system}|{cccd}")]).matches
        if len(hits) != 1:
            return (f"Không có người bệnh mang CCCD {cccd} trong hồ sơ của cơ sở / No patient "
                    f"with CCCD {cccd} in this facility's records")  # fmt: skip
        ids.append(hits[0].id)
    if ids[0] == ids[1]:
        return "Hai CCCD là một hồ sơ / Both CCCDs are one record already"

    def queue(session: Any, _agent: dict[str, Any]) -> MergeRequest:
        row = candidate_row(ids[0], ids[1], weight=0.0, probability=1.0, grade="possible",
                            origin="hl7-a40",
                            levels={"facility": facility, "message": message_id,
                                    "surviving": ids[0], "retired": ids[1]},
                            created_us=clock.now_us())  # fmt: skip
        return MergeRequest(ids[0], ids[1], session.matches.add([row]) == 1)

    repo.run_as_server("merge-request", "Patient/$merge-request", queue,  # type: ignore[attr-defined]
                       allowed=SENDERS)  # fmt: skip
    return None
