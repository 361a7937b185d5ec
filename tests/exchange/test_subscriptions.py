"""Facilities' rest-hook Subscriptions, delivered from the change feed to a real HTTP
endpoint: only what the facility's own view shows and its criteria select, each change
once, after the endpoint was down too; invalid Subscriptions end in `error`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import facility_repository, subscription_worker
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.exchange.national_sync import Backoff
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.builders.clinical import observation
from tests.builders.patient import resident
from tests.callers import as_caller
from tests.exchange.national_server import free_port

pytestmark = pytest.mark.live


class Endpoint:
    """A facility's notification endpoint: records what arrives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[tuple[str, str, bytes]] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def _take(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST = _take

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    found = Endpoint()
    found.start()
    yield found
    found.stop()


def subscription(criteria: str, url: str, payload: bool = True) -> dict[str, Any]:
    channel: dict[str, Any] = {"type": "rest-hook", "endpoint": url,
                               "header": ["Authorization: Bearer his-secret"]}
    if payload:
        channel["payload"] = "application/fhir+json"
    return {"resourceType": "Subscription", "status": "requested", "reason": "kết quả mới",
            "criteria": criteria, "channel": channel}  # fmt: skip


def city(store: SqlStore) -> dict[str, str]:
    """Facility 79001, P cared for there (this week), Q not."""
    with as_caller(store) as repo:
        org = repo.create({"resourceType": "Organization", "name": "Bệnh viện Quận 1",
                           "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": "79001"}]}
                          ).stored.id  # fmt: skip
        p, q = (repo.create(resident(n)).stored.id for n in (21, 22))
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        repo.create({"resourceType": "Encounter", "status": "in-progress",
                     "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                               "code": "AMB"},
                     "subject": {"reference": f"Patient/{p}"},
                     "serviceProvider": {"reference": f"Organization/{org}"},
                     "period": {"start": now}})  # fmt: skip
    return {"p": p, "q": q}


def test_changes_the_facility_may_see_are_delivered_once(store: SqlStore, endpoint: Endpoint
                                                         ) -> None:  # fmt: skip
    ids = city(store)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    settings = replace(store.settings, subscription_endpoints=("http://127.0.0.1:",))
    try:
        his = facility_repository(store, "79001", "test", trail)
        wanted = his.create(subscription("Observation?code=8480-6", endpoint.url)).stored.id
        elsewhere = his.create(subscription("Observation", "http://attacker.example/x")).stored.id
        worker = subscription_worker(store, trail, settings, backoff=Backoff(0.05, 0.2))
        worker.run(threading.Event(), until_idle=True)
        assert orjson.loads(his.read("Subscription", wanted).content)["status"] == "active"
        refused = orjson.loads(his.read("Subscription", elsewhere).content)
        assert refused["status"] == "error" and "HOSO_SUBSCRIPTION_ENDPOINTS" in refused["error"]
        with as_caller(store) as repo:
            seen = repo.create(observation(ids["p"])).stored.id
            repo.create(observation(ids["q"]))  # not the facility's patient
            repo.create(observation(ids["p"], loinc="8462-4"))  # not the criteria
        worker.run(threading.Event(), until_idle=True)
        assert [(m, p) for m, p, _ in endpoint.received] == [
            ("PUT", f"/hook/Observation/{seen}")]
        assert orjson.loads(endpoint.received[0][2])["id"] == seen
        # The endpoint down: the next change waits, then arrives once.
        endpoint.stop()
        with as_caller(store) as repo:
            later = repo.create(observation(ids["p"], value=135)).stored.id
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"idle": 0.05})
        thread.start()
        deadline = time.monotonic() + 20
        while worker.failures < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.failures >= 2
        endpoint.start()
        while len(endpoint.received) < 2 and time.monotonic() < deadline + 20:
            time.sleep(0.05)
        time.sleep(0.3)
        stop.set()
        thread.join(timeout=20)
    finally:
        trail.close()
    assert [p for _m, p, _ in endpoint.received] == [
        f"/hook/Observation/{seen}", f"/hook/Observation/{later}"]


def test_a_subscription_turned_off_stops_and_a_restart_resumes(
    store: SqlStore, endpoint: Endpoint
) -> None:
    ids = city(store)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    settings = replace(store.settings, subscription_endpoints=(endpoint.url,))
    try:
        his = facility_repository(store, "79001", "test", trail)
        sub = his.create(subscription(f"Observation?patient=Patient/{ids['p']}", endpoint.url,
                                      payload=False)).stored.id  # fmt: skip
        subscription_worker(store, trail, settings).run(threading.Event(), until_idle=True)
        with as_caller(store) as repo:
            repo.create(observation(ids["p"]))
        # A new worker (a restart) finds the Subscription and its cursor again.
        subscription_worker(store, trail, settings).run(threading.Event(), until_idle=True)
        assert [(m, p, b) for m, p, b in endpoint.received] == [("POST", "/hook", b"")]
        current = orjson.loads(his.read("Subscription", sub).content)
        his.update("Subscription", sub, {**current, "status": "off"})
        with as_caller(store) as repo:
            repo.create(observation(ids["p"]))
        subscription_worker(store, trail, settings).run(threading.Event(), until_idle=True)
    finally:
        trail.close()
    assert len(endpoint.received) == 1
