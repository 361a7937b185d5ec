"""The token-bucket limiter on an injected clock, and a burst through the real app."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from hoso.api.app import create_app
from hoso.api.rate_limit import RateLimited, RateLimiter, rate_limiter
from hoso.core.errors import TooManyRequests
from hoso.core.settings import Settings
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer

# Headers, discovery and the in-process limiter: nothing the database decides.
pytestmark = pytest.mark.backend_independent


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_burst_passes_then_the_next_request_waits_for_a_token(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)  # one token per 10 s
    for _ in range(3):
        limiter.check("client:his-cho-ray")
    with pytest.raises(RateLimited) as refused:
        limiter.check("client:his-cho-ray")
    assert refused.value.retry_after == 10
    assert limiter.retry_after("client:his-cho-ray") == 10
    clock.now += 4
    assert limiter.retry_after("client:his-cho-ray") == 6  # the wait shrinks as time passes
    clock.now += 6
    limiter.check("client:his-cho-ray")  # one token back, not the whole burst
    with pytest.raises(RateLimited):
        limiter.check("client:his-cho-ray")


def test_refill_never_exceeds_the_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    limiter.check("ip:203.0.113.7")
    clock.now += 3600
    limiter.check("ip:203.0.113.7")
    limiter.check("ip:203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        limiter.check("ip:203.0.113.7")
    assert refused.value.retry_after == 1  # never 0: "retry now" would be refused again


def test_keys_have_their_own_buckets(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    limiter.check("client:a")
    limiter.check("client:b")
    with pytest.raises(RateLimited):
        limiter.check("client:a")


def test_the_refusal_is_a_bilingual_throttled_outcome(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    limiter.check("k")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("k")
    error = refused.value
    assert error.http_status == 429
    issue = error.outcome()["issue"][0]
    assert issue["code"] == "throttled"
    vietnamese, english = issue["diagnostics"].split(" / ")
    assert vietnamese.startswith("Quá nhiều yêu cầu") and "1 giây" in vietnamese
    assert english.startswith("Too many requests") and "1 seconds" in english
    assert "k" not in issue["diagnostics"].split()  # the key (an IP, a client) is not echoed


def test_retry_after_does_not_take_a_token(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    assert limiter.retry_after("k") == 0
    assert limiter.retry_after("k") == 0
    limiter.check("k")


def test_zero_per_minute_turns_limiting_off(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=0, burst=0, clock=clock)
    for _ in range(1000):
        limiter.check("k")
    assert limiter.retry_after("k") == 0
    assert len(limiter) == 0


def test_memory_is_bounded_and_idle_buckets_go_before_busy_ones(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock, max_keys=2)  # full in 2 s
    limiter.check("idle")
    clock.now += 10
    limiter.check("busy")
    limiter.check("busy")  # empty now
    limiter.check("new")  # at capacity: "idle" is full again, so it is the one dropped
    assert len(limiter) == 2
    with pytest.raises(RateLimited):
        limiter.check("busy")  # a throttled client is not reset by someone else's arrival
    for i in range(50):  # a flood of fresh keys cannot grow the table
        limiter.check(f"flood:{i}")
        assert len(limiter) <= 2


def test_concurrent_checks_never_hand_out_more_than_the_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=1, burst=500, clock=clock)  # the clock stands still
    granted = []

    def hammer() -> None:
        ok = 0
        for _ in range(200):
            try:
                limiter.check("client:shared")
                ok += 1
            except RateLimited:
                pass
        granted.append(ok)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 500


def test_settings_read_the_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSO_RATE_LIMIT_PER_MINUTE", "120")
    monkeypatch.setenv("HOSO_RATE_LIMIT_BURST", "7")
    settings = Settings.from_env("sqlite://")
    assert (settings.rate_limit_per_minute, settings.rate_limit_burst) == (120, 7)
    monkeypatch.delenv("HOSO_RATE_LIMIT_PER_MINUTE")
    monkeypatch.delenv("HOSO_RATE_LIMIT_BURST")
    assert Settings.from_env("sqlite://").rate_limit_per_minute == 600  # on for `hoso serve`
    assert Settings(database_url="sqlite://").rate_limit_per_minute == 0  # off when built in code


def test_a_hospitals_system_gets_far_more_than_a_resident(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defaults a hospital can live with: an HIS sending an episode every 100 ms all day
    (600 a minute, several requests each) is not slowed; a resident's app is."""
    monkeypatch.delenv("HOSO_RATE_LIMITS", raising=False)
    limits = {role: (rate, burst) for role, rate, burst in Settings.from_env().rate_limits_by_role}
    assert limits["facility-system"][0] >= 10 * 600 and "resident" not in limits
    clock = FakeClock()
    limiter = RateLimiter.from_settings(Settings.from_env(), clock)
    his = sum(_took(limiter, "client:his", "facility-system") for _ in range(700))
    app = sum(_took(limiter, "client:app", "resident") for _ in range(700))
    assert (his, app) == (600, 60)  # each its own burst
    clock.now += 60.0  # a minute later: refilled at each role's rate
    assert sum(_took(limiter, "client:his", "facility-system") for _ in range(700)) == 600
    monkeypatch.setenv("HOSO_RATE_LIMITS", "resident=30/5, facility-system=0")
    tuned = RateLimiter.from_settings(Settings.from_env())
    assert sum(_took(tuned, "client:app2", "resident") for _ in range(50)) == 5
    assert all(_took(tuned, "client:his2", "facility-system") for _ in range(5000))  # off
    monkeypatch.setenv("HOSO_RATE_LIMIT_PER_MINUTE", "0")
    monkeypatch.delenv("HOSO_RATE_LIMITS")
    assert Settings.from_env().rate_limits_by_role == ()  # 0: off for every role
    monkeypatch.setenv("HOSO_RATE_LIMITS", "resident=many")
    with pytest.raises(ValueError, match="role=per_minute/burst"):
        Settings.from_env()


def _took(limiter: RateLimiter, key: str, role: str) -> bool:
    try:
        limiter.check(key, role)
    except RateLimited:
        return False
    return True


# -- through the real app -----------------------------------------------------------------


@pytest.fixture
def tiny_limit_client(store: SqlStore) -> TestClient:
    settings = dataclasses.replace(store.settings, rate_limit_per_minute=60, rate_limit_burst=3)
    return TestClient(create_app(store, settings), raise_server_exceptions=False)


def test_a_burst_beyond_the_limit_gets_429_with_retry_after(tiny_limit_client: TestClient) -> None:
    with tiny_limit_client as client:
        # /fhir/metadata stays public once tokens are required: an anonymous caller,
        # limited by IP.
        statuses = [client.get("/fhir/metadata").status_code for _ in range(3)]
        refused = client.get("/fhir/metadata")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"].startswith("application/fhir+json")
    assert refused.headers["x-content-type-options"] == "nosniff"  # headers wrap the limiter
    body = refused.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "throttled"
    assert body["issue"][0]["diagnostics"].startswith("Quá nhiều yêu cầu")


def test_the_auth_endpoints_are_limited_by_ip_even_with_a_token(store: SqlStore) -> None:
    # One token a minute: none comes back while the test runs, however slow the machine
    # (at one a second, a slow CI run refilled the bucket before the last request).
    settings = dataclasses.replace(store.settings, rate_limit_per_minute=1, rate_limit_burst=3)
    bearer = {"Authorization": "Bearer gia-mao"}
    with TestClient(create_app(store, settings), raise_server_exceptions=False) as client:
        for _ in range(3):
            client.get("/fhir/metadata")
        # /fhir with a bearer token: limited by client id after verification, not by IP.
        assert client.get("/fhir/metadata", headers=bearer).status_code != 429
        # /auth takes passwords and client secrets: always limited by IP.
        assert client.post("/auth/token", headers=bearer).status_code == 429
        assert client.post("/auth/token", auth=("client", "secret")).status_code == 429


def test_a_client_with_a_valid_token_is_limited_by_its_client_id(store: SqlStore) -> None:
    settings = dataclasses.replace(store.settings, rate_limit_per_minute=60, rate_limit_burst=2)
    app = create_app(store, settings)
    his = bearer(app, client_id="his-thu-nghiem")
    other = bearer(app, client_id="his-khac")
    with TestClient(app, raise_server_exceptions=False) as client:
        statuses = [client.get("/fhir/Patient", headers=his).status_code for _ in range(3)]
        assert client.get("/fhir/Patient", headers=other).status_code == 200  # its own bucket
        anonymous = client.get("/fhir/metadata")
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    assert anonymous.status_code == 200  # the IP bucket is apart from the client buckets


def test_a_refusal_raised_in_a_handler_gets_retry_after(store: SqlStore) -> None:
    """The path the auth dependency takes: `rate_limiter(request).check("client:…")`."""
    settings = dataclasses.replace(store.settings, rate_limit_per_minute=60, rate_limit_burst=1)
    app = create_app(store, settings)

    @app.get("/thu-nghiem/gioi-han")
    def limited_by_client(request: Request) -> dict[str, str]:
        rate_limiter(request).check("client:his-thu-nghiem")
        return {}

    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {"Authorization": "Bearer x"}  # not the IP bucket
        assert client.get("/thu-nghiem/gioi-han", headers=headers).status_code == 200
        refused = client.get("/thu-nghiem/gioi-han", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["issue"][0]["code"] == "throttled"
