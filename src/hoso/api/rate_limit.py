"""Per-client rate limiting: a token bucket per key, in process, bounded in memory.

Keys are namespaced strings: ``client:<client_id>`` once a token is verified (the auth
dependency, `hoso.api.deps.get_principal`, checks the app's limiter with the token's
role: a role may have its own rate, e.g. a hospital's HIS far above a resident's app,
`Settings.rate_limits_by_role`), ``ip:<address>``
for requests that carry no bearer token (``/auth/token``, the login form, anonymous
reads): the `RateLimit` middleware applies that one. Both use the one limiter that
`create_app` puts on `app.state.rate_limiter`. Each API process has its own buckets, so with N
processes behind a load balancer a client gets up to N times the configured rate; the
proxy in front (docs/deployment-tls.md) can add a shared limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from hoso.api.responses import fhir_response
from hoso.core.errors import TooManyRequests
from hoso.core.settings import Settings

DEFAULT_MAX_KEYS = 100_000


class RateLimited(TooManyRequests):
    """A refused request; `retry_after` (whole seconds) becomes the `Retry-After` header."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Quá nhiều yêu cầu; vui lòng thử lại sau {retry_after} giây / "
            f"Too many requests; retry after {retry_after} seconds"
        )
        self.retry_after = retry_after


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    rate: float  # tokens per second
    burst: float


class RateLimiter:
    """Token bucket: `burst` requests at once, refilled at `per_minute` per minute.

    The clock is monotonic seconds (injectable for tests): wall-clock time, which
    `hoso.core.clock` gives, can jump and would refill or freeze buckets.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        by_role: Mapping[str, tuple[int, int]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        """`per_minute`/`burst` for every key; `by_role` (role → (per minute, burst))
        for keys checked with that role. A rate of 0 turns the limit off."""
        for rate, size in (per_minute, burst), *(by_role or {}).values():
            if rate > 0 and size < 1:
                raise ValueError("burst must be at least 1 when rate limiting is on")
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = float(burst)
        self.enabled = per_minute > 0
        self._by_role = {role: (rate / 60.0, float(size))
                         for role, (rate, size) in (by_role or {}).items()}  # fmt: skip
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> RateLimiter:
        by_role = {role: (rate, size) for role, rate, size in settings.rate_limits_by_role}
        return cls(settings.rate_limit_per_minute, settings.rate_limit_burst, by_role=by_role,
                   clock=clock)  # fmt: skip

    def check(self, key: str, role: str | None = None) -> None:
        """Take one token for `key` (at `role`'s rate when it has one), or raise
        `RateLimited` with the seconds to wait."""
        rate, burst = self._by_role.get(role or "", (self.rate, self.burst))
        if rate <= 0:
            return
        with self._lock:
            bucket = self._refilled(key, rate, burst)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = self._seconds_until_token(bucket)
        raise RateLimited(wait)

    def retry_after(self, key: str) -> int:
        """Whole seconds before `key` may make a request (0: now), without taking a token."""
        if not self.enabled:
            return 0
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0
            elapsed = self._clock() - bucket.updated
            tokens = min(bucket.burst, bucket.tokens + elapsed * bucket.rate)
            return 0 if tokens >= 1.0 else math.ceil((1.0 - tokens) / bucket.rate)

    def __len__(self) -> int:
        return len(self._buckets)

    def _seconds_until_token(self, bucket: _Bucket) -> int:
        # Round up, and never 0: a client told "0" would retry at once and be refused again.
        return max(1, math.ceil((1.0 - bucket.tokens) / bucket.rate))

    def _refilled(self, key: str, rate: float, burst: float) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._make_room(now)
            bucket = self._buckets[key] = _Bucket(burst, now, rate, burst)
            return bucket
        self._buckets.move_to_end(key)
        bucket.rate, bucket.burst = rate, burst  # the limits may differ by role
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        return bucket

    def _make_room(self, now: float) -> None:
        """Keep at most `max_keys` buckets.

        A bucket idle long enough to be full again holds no information (a new one would
        start full too), so those go first, oldest first; that walk stops at the first
        recent bucket, so it costs O(1) per call on average. Only when every bucket is
        recent (a flood of distinct keys) is the least recently used one dropped.
        """
        while self._buckets:
            oldest_key, oldest = next(iter(self._buckets.items()))
            if now - oldest.updated < oldest.burst / oldest.rate:  # not yet full again
                break
            del self._buckets[oldest_key]
        while len(self._buckets) >= self._max_keys:
            self._buckets.popitem(last=False)


def rate_limiter(request: Request) -> RateLimiter:
    """The app's limiter: ``rate_limiter(request).check(f"client:{client_id}")``."""
    return request.app.state.rate_limiter  # type: ignore[no-any-return]


def _has_bearer_token(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value[:7].lower() == b"bearer "
    return False


class RateLimit:
    """Limits requests that carry no bearer token, and every ``/auth`` request, by IP.

    Requests with a bearer token are limited by client id after the token is verified
    (an unverified token must not choose its own bucket). ``/auth`` is always limited by
    IP: the token endpoint takes client secrets in a Basic header and the login form
    takes passwords, both worth guessing. The client address is the one the ASGI server
    reports, which behind a trusted proxy is the forwarded one (uvicorn
    ``--forwarded-allow-ips``).
    """

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == "/auth" or path.startswith("/auth/") or not _has_bearer_token(scope):
            client = scope.get("client")
            try:
                self.limiter.check(f"ip:{client[0] if client else 'unknown'}")
            except RateLimited as exc:
                # Middleware sits outside the app's exception handlers: render here, alike.
                response = fhir_response(
                    exc.outcome(), exc.http_status, {"Retry-After": str(exc.retry_after)}
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
