"""The change feed's consumers as Prometheus text (exposition format 0.0.4): the same
figures as `hoso sync status`, for the operators' monitoring. Counts only: no
identifier, no record content."""

from __future__ import annotations

from collections.abc import Sequence

from hoso.fhir.change_feed import FeedStats

__all__ = ["prometheus_text"]

_HELP = (
    ("hoso_feed_head_position", "gauge", "Last position written to the change feed",
     lambda s, now: s.head),
    ("hoso_feed_consumer_position", "gauge", "The consumer's cursor", lambda s, now: s.position),
    ("hoso_feed_pending_changes", "gauge", "Changes after the consumer's cursor",
     lambda s, now: s.pending),
    ("hoso_feed_oldest_pending_seconds", "gauge", "Age of the oldest change waiting",
     lambda s, now: round(now - s.oldest_pending_us / 1e6, 3) if s.oldest_pending_us else 0),
    ("hoso_feed_sent_total", "counter", "Changes the consumer has handled", lambda s, now: s.sent),
    ("hoso_feed_rate_per_second", "gauge", "Changes per second over the last batches",
     lambda s, now: round(s.rate, 3)),
    ("hoso_feed_consecutive_failures", "gauge", "Failed attempts since the last success",
     lambda s, now: s.failures),
    ("hoso_feed_dead_letters", "gauge", "Changes parked after a refusal",
     lambda s, now: s.dead_letters),
)  # fmt: skip


def prometheus_text(stats: Sequence[FeedStats], now: float) -> str:
    lines: list[str] = []
    for name, kind, text, value in _HELP:
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        lines += [f'{name}{{consumer="{s.consumer}"}} {value(s, now)}' for s in stats]
    return "\n".join(lines) + "\n"
