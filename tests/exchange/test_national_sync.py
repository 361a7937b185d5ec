"""The national sync against a second running Hồ Sơ standing in as the national
database (`tests.exchange.national_server`): what arrives, by which identifiers, what
consent withholds, the receiver down and back, a crash between sending and the cursor."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import national_sync
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.exchange.national_sync import Backoff, NationalSync, SyncStalled
from hoso.fhir.consent_rules import DATA_USE_SYSTEM, NATIONAL_SHARING
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.builders.clinical import condition, observation
from tests.builders.patient import resident
from tests.callers import as_caller
from tests.exchange.national_server import NationalServer

pytestmark = pytest.mark.live

FACILITY_SYSTEM = "https://moh.gov.vn/fhir/sid/ma-cskcb"
MA_LK_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/xml130-ma-lk"


def worker(store: SqlStore, national: NationalServer, trail: Any, **options: Any) -> NationalSync:
    settings = replace(store.settings, national_fhir_url=national.fhir,
                       national_key_file=str(national.key_file))  # fmt: skip
    options.setdefault("backoff", Backoff(base=0.05, cap=0.5))
    return national_sync(store, trail, settings, **options)  # type: ignore[no-any-return]


def sync_all(store: SqlStore, national: NationalServer, **options: Any) -> NationalSync:
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        sync = worker(store, national, trail, **options)
        sync.run(threading.Event(), until_idle=True)
        return sync
    finally:
        trail.close()


def consent_refusing(patient_id: str, label: str | None = None) -> dict[str, Any]:
    provision: dict[str, Any] = {"type": "deny",
                                 "purpose": [{"system": DATA_USE_SYSTEM, "code": NATIONAL_SHARING}]}
    if label:
        provision["securityLabel"] = [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": label}]
    return {
        "resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "provision": provision,
    }  # fmt: skip


def small_city(store: SqlStore) -> dict[str, str]:
    """A facility, three residents (B refuses to share HIV care nationally, C refuses
    everything), an episode, results; A's record changed after it was written."""
    with as_caller(store) as repo:
        org = repo.create({"resourceType": "Organization", "name": "Bệnh viện Quận 1",
                           "identifier": [{"system": FACILITY_SYSTEM, "value": "79001"}]}
                          ).stored.id  # fmt: skip
        a, b, c = (repo.create(resident(n)).stored.id for n in (11, 12, 13))
        encounter = repo.create({
            "resourceType": "Encounter", "status": "finished",
            "identifier": [{"system": MA_LK_SYSTEM, "value": "79001-LK0001"}],
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "AMB"},
            "subject": {"reference": f"Patient/{a}"},
            "serviceProvider": {"reference": f"Organization/{org}"},
        }).stored.id  # fmt: skip
        obs = repo.create({**observation(a), "encounter": {"reference": f"Encounter/{encounter}"}})
        repo.create(consent_refusing(b, "HIV"))
        hiv = repo.create(condition(b, icd10="B20", text="Bệnh HIV")).stored.id
        flu = repo.create(condition(b, icd10="J10", text="Cúm")).stored.id
        repo.create(consent_refusing(c))
        repo.create(condition(c, icd10="I10"))
        person = repo.read("Patient", a)
        import orjson

        changed = orjson.loads(person.content) | {"gender": "female"}
        repo.update("Patient", a, changed)
    return {"a": a, "b": b, "c": c, "org": org, "encounter": encounter,
            "obs": obs.stored.id, "hiv": hiv, "flu": flu}  # fmt: skip


def cccd(n: int) -> str:
    return str(resident(n)["identifier"][0]["value"])


def test_the_record_arrives_by_its_identifiers(store: SqlStore, national: NationalServer
                                               ) -> None:  # fmt: skip
    ids = small_city(store)
    sync = sync_all(store, national)
    assert sync.parked == 0
    [a] = national.search("Patient", identifier=f"{DEFAULT_CCCD_SYSTEM}|{cccd(11)}")
    assert a["gender"] == "female"  # the second version
    assert a["meta"]["source"].endswith(f"/fhir/Patient/{ids['a']}/_history/2")
    [enc] = national.search("Encounter", identifier=f"{MA_LK_SYSTEM}|79001-LK0001")
    [org] = national.search("Organization", identifier=f"{FACILITY_SYSTEM}|79001")
    assert enc["subject"]["reference"] == f"Patient/{a['id']}"
    assert enc["serviceProvider"]["reference"] == f"Organization/{org['id']}"
    obs = national.get(f"Observation/{ids['obs']}")  # no business identifier: our id
    assert obs["encounter"]["reference"] == f"Encounter/{enc['id']}"
    # B shares all but the HIV category; C shares nothing; the audit trail never leaves.
    [b] = national.search("Patient", identifier=f"{DEFAULT_CCCD_SYSTEM}|{cccd(12)}")
    codes = {c["code"]["coding"][0]["code"] for c in national.search("Condition",
                                                                     subject=f"Patient/{b['id']}")}
    assert codes == {"J10"}
    assert national.search("Patient", identifier=f"{DEFAULT_CCCD_SYSTEM}|{cccd(13)}") == []
    assert national.rows("SELECT count(*) FROM resource WHERE resource_type = 'AuditEvent'"
                         ) == [(0,)]  # fmt: skip
    # Exactly once: one national version per version of ours that was sent.
    assert national.rows("SELECT count(*) FROM resource_history WHERE resource_type = "
                         "'Patient'") == [(3,)]  # A v1, A v2, B  # fmt: skip


class CrashAfterSending(Exception):
    pass


def test_a_crash_between_sending_and_the_cursor_sends_nothing_twice(
    store: SqlStore, national: NationalServer
) -> None:
    """The worker dies after the receiver took the Bundle but before the cursor moved:
    the next worker finds the Bundle in doubt, asks, and sends only what is missing."""
    small_city(store)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        first = worker(store, national, trail)

        def crash(*_args: Any, **_kwargs: Any) -> None:
            raise CrashAfterSending

        first.feed.advance = crash  # type: ignore[method-assign]
        with pytest.raises(CrashAfterSending):
            first.step()
        first.feed.release(first.owner)
        before = national.rows("SELECT count(*) FROM resource_history")
        second = worker(store, national, trail, owner="second")
        second.run(threading.Event(), until_idle=True)
    finally:
        trail.close()
    assert before[0][0] > 0  # the first Bundle landed
    # Nothing twice: one version there per version sent (A twice, everything else once).
    [(resources,)] = national.rows("SELECT count(*) FROM resource")
    assert national.rows("SELECT count(*) FROM resource_history") == [(resources + 1,)]
    assert national.rows("SELECT count(*) FROM resource_history h JOIN resource r ON "
                         "r.seq = h.res_seq WHERE r.resource_type = 'Patient'") == [(3,)]


def test_the_national_server_down_and_back_loses_nothing(
    store: SqlStore, national: NationalServer
) -> None:
    national.stop()
    ids = small_city(store)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    stop = threading.Event()
    try:
        sync = worker(store, national, trail, idle_seconds=0.1)
        thread = threading.Thread(target=sync.run, args=(stop,))
        thread.start()
        deadline = time.monotonic() + 30
        while sync.failures < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sync.failures >= 3 and sync.sent == 0
        with store.unit_of_work(write=False) as s:
            stats = s.feed.stats("national")
        assert stats.failures >= 1 and stats.last_error and stats.pending > 0
        national.start()
        while stats.pending and time.monotonic() < deadline + 30:
            time.sleep(0.1)
            with store.unit_of_work(write=False) as s:
                stats = s.feed.stats("national")
    finally:
        stop.set()
        thread.join(timeout=30)
        trail.close()
    assert stats.pending == 0 and stats.failures == 0
    national.get(f"Observation/{ids['obs']}")
    assert national.rows("SELECT count(*) FROM resource_history WHERE resource_type = "
                         "'Patient'") == [(3,)]  # fmt: skip


def test_a_refused_change_is_parked_and_the_rest_go_on(
    store: SqlStore, national: NationalServer
) -> None:
    """The national database holds two Organizations with our facility's code, so it
    refuses the conditional update of ours (412) and everything that names it: those
    changes are dead letters with the error; the rest arrive. Once the duplicate is
    removed there, a retry sends them at their current versions."""
    import httpx

    headers = {"Authorization": f"Bearer {national.token()}"}
    duplicate = {"resourceType": "Organization", "name": "Bản sao",
                 "identifier": [{"system": FACILITY_SYSTEM, "value": "79001"}]}
    made = [httpx.post(f"{national.fhir}/Organization", json=duplicate, headers=headers)
            for _ in range(2)]
    assert [m.status_code for m in made] == [201, 201]
    ids = small_city(store)
    sync = sync_all(store, national)
    with store.unit_of_work(write=False) as s:
        letters = s.feed.dead_letters("national")
        assert s.feed.stats("national").pending == 0
    assert sorted(d.change.key for d in letters) == sorted(
        [f"Organization/{ids['org']}", f"Encounter/{ids['encounter']}",
         f"Observation/{ids['obs']}"])  # fmt: skip
    assert sync.parked == 3 and all(d.error.startswith("HTTP 4") for d in letters)
    assert national.search("Patient", identifier=f"{DEFAULT_CCCD_SYSTEM}|{cccd(11)}")
    gone = httpx.delete(f"{national.fhir}/Organization/{made[1].json()['id']}", headers=headers)
    assert gone.status_code in (200, 204)
    with store.unit_of_work() as s:
        assert s.feed.mark_retry("national", None) == 3
    again = sync_all(store, national)
    with store.unit_of_work(write=False) as s:
        assert s.feed.dead_letters("national") == []
    assert again.parked == 0
    [enc] = national.search("Encounter", identifier=f"{MA_LK_SYSTEM}|79001-LK0001")
    assert enc["serviceProvider"]["reference"] == f"Organization/{made[0].json()['id']}"
    assert national.get(f"Observation/{ids['obs']}")["encounter"]["reference"] == (
        f"Encounter/{enc['id']}")


def test_until_idle_gives_up_when_the_national_database_keeps_failing(
    store: SqlStore, national: NationalServer
) -> None:
    """A token that cannot be had (here: the peer client disabled there) is retried with
    backoff; `run --until-idle` stops after `max_failures` and says why."""
    small_city(store)
    national.stop()
    national.rows("UPDATE oauth_client SET status = 'disabled' WHERE kind = 'peer'")
    national.start()
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        sync = worker(store, national, trail, max_failures=3)
        with pytest.raises(SyncStalled, match="token"):
            sync.run(threading.Event(), until_idle=True)
    finally:
        trail.close()
    with store.unit_of_work(write=False) as s:
        stats = s.feed.stats("national")
    assert stats.failures == 3 and "token" in (stats.last_error or "")
    assert stats.position == 0 and stats.lease_owner is None
