"""`GET /api/metrics`: the change feed's consumers (the national sync) as Prometheus
text, for an operator's token. Thin: the access layer reads the figures (and refuses
every other role), `hoso.exchange.feed_metrics` formats them."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.feed_access import ConsumerFeed
from hoso.api.deps import RepoDep
from hoso.exchange.feed_metrics import prometheus_text
from hoso.exchange.national_sync import CONSUMER

router = APIRouter()


@router.get("/api/metrics", response_class=PlainTextResponse)
async def metrics(repo: RepoDep) -> PlainTextResponse:
    """Hàng đợi đồng bộ quốc gia / The national sync's queue (Prometheus text)."""
    stats = await run_in_threadpool(ConsumerFeed(repo, CONSUMER).stats)
    return PlainTextResponse(prometheus_text([stats], time.time()),
                             media_type="text/plain; version=0.0.4")  # fmt: skip
