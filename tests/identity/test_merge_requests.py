"""A facility's ADT^A40 as a pair for the stewards' review (`request_merge`): queued once,
with its origin; a record the facility cannot see answered exactly as one that does not
exist. Both databases."""

from __future__ import annotations

import time

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import facility_repository
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.identity.merge_requests import request_merge
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.builders.patient import resident
from tests.callers import as_caller


def _cccd(n: int) -> str:
    return str(resident(n)["identifier"][0]["value"])


def test_a_merge_request_is_queued_for_review_never_merged(store: SqlStore) -> None:
    with as_caller(store) as repo:
        org = repo.create({"resourceType": "Organization", "name": "BV Quận 1",
                           "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": "79001"}]}
                          ).stored.id  # fmt: skip
        p, twin, stranger = (repo.create(resident(n)).stored.id for n in (31, 32, 33))
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        for who in (p, twin):
            repo.create({"resourceType": "Encounter", "status": "in-progress",
                         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                   "code": "AMB"}, "period": {"start": now},
                         "subject": {"reference": f"Patient/{who}"},
                         "serviceProvider": {"reference": f"Organization/{org}"}})  # fmt: skip
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        his = facility_repository(store, "79001", "mllp", trail)
        system = store.settings.cccd_system
        asked = request_merge(his, _cccd(31), _cccd(32), cccd_system=system, facility="79001",
                              message_id="MRG0001")  # fmt: skip
        hidden = request_merge(his, _cccd(31), _cccd(33), cccd_system=system, facility="79001",
                               message_id="MRG0002")  # fmt: skip
        absent = request_merge(his, _cccd(31), "079099999999", cccd_system=system,
                               facility="79001", message_id="MRG0003")  # fmt: skip
    finally:
        trail.close()
    assert asked is None
    assert hidden is not None and absent is not None
    assert hidden.replace(_cccd(33), "X") == absent.replace("079099999999", "X")
    with as_caller(store) as repo, repo.match_queue() as queue:
        [pair] = queue.open(limit=10, offset=0)
    assert {pair.patient_a, pair.patient_b} == {p, twin} and pair.origin == "hl7-a40"
    assert pair.probability == 1.0 and pair.status == "open" and stranger not in pair.details
    with as_caller(store) as repo:  # nothing merged: both records still active
        assert all(repo.read("Patient", i).content.find('"active":false') < 0 for i in (p, twin))
