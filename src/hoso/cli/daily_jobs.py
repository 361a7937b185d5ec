"""The public-health jobs that run once a day (issue 18), as a thread of `hoso serve`
beside the change feed's workers: when the server starts and whenever the day changes in
Ho Chi Minh City, the daily outbreak detection (every enabled disease × ward and the
city × method: alarms become signals, foci are suggested) and the closing of follow-ups
that are over. Both are idempotent (a signal is unique per disease, ward, week and
method; a closed follow-up stays closed), so several server processes, or a restart in
the middle, repeat nothing. `hoso surveillance daily` and `hoso tracing close` do the
same by hand (or from cron, on a server started with `--no-sync`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from hoso.core.vi_format import HCMC

__all__ = ["DailySurveillance", "run_daily_jobs"]

log = logging.getLogger(__name__)


def run_daily_jobs(store: Any, repo: Any, day: date) -> Any:
    """The day's detection then the follow-ups' closing, as `repo`'s caller (audited);
    the detection's summary."""
    from hoso.access.audit_record import EXECUTE
    from hoso.access.publichealth_surveillance import SurveillanceGate
    from hoso.api.publichealth_tracing_routes import facades_of
    from hoso.core import clock
    from hoso.publichealth.daily import run_daily
    from hoso.publichealth.disease_rules import stored_rules
    from hoso.store.publichealth_cases import SqlCaseRegistry
    from hoso.store.publichealth_series import SqlSurveillance

    rows = SqlSurveillance(store.engine)
    rules = stored_rules(d.content for d in SqlCaseRegistry(store.engine).definitions())
    done = SurveillanceGate(rows).act(
        repo, EXECUTE, "surveillance-daily", "ph_signal",
        lambda _: run_daily(rows, rules, day, clock.now_us()),
        lambda r: f"{r.day}: {r.signals_added} tín hiệu / signals, "
                  f"{r.foci_suggested} ổ dịch đề xuất / foci suggested")  # fmt: skip
    tracing, _chains = facades_of(SimpleNamespace(store=store))
    tracing.close_due(repo, day.isoformat())
    return done


@dataclass
class DailySurveillance:
    store: Any
    trail: Any
    done_for: date | None = None
    runs: int = field(default=0)

    def run(self, stop: threading.Event, *, until_idle: bool = False, idle: float = 60.0
            ) -> None:  # fmt: skip
        from hoso.assembly import operator_repository

        while not stop.is_set():
            today = datetime.now(HCMC).date()
            if today != self.done_for:
                try:
                    repo = operator_repository(self.store, "hoso-daily", self.trail)
                    run_daily_jobs(self.store, repo, today)
                    self.done_for, self.runs = today, self.runs + 1
                except Exception:  # the store down: the next minute tries again
                    if until_idle:
                        raise
                    log.exception("daily surveillance jobs failed")
            if until_idle:
                return
            stop.wait(idle)


def daily_surveillance(store: Any, trail: Any) -> DailySurveillance:
    return DailySurveillance(store, trail)
