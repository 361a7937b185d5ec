"""Infection chains and tracing indicators behind the access layer (issue 18 point 5).

- A snapshot is asked for (disease, as-of day) by an officer or the operator; an
  identical one already queued, running or done is returned instead (the cache); the
  job (`run`) computes it apart from the request and records done or failed.
- Reading a snapshot gives its chains (sizes, generations, active or not, durations:
  counts, never persons) page by page; one chain's drawing names persons only as the
  caller may see them: an officer sees a person's real id only for persons of cases
  linked to them (and their contacts), every other person as a pseudonym.
- The indicators are aggregates.
Station clinicians, residents and every other role: 403. Everything is audited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from hoso.access.audit_record import EXECUTE, READ
from hoso.access.deidentify import pseudonym
from hoso.access.publichealth_input import (
    SUPERVISORS,
    bad,
    check_day,
    hcmc_today,
    not_found,
    require,
)
from hoso.core import clock, jsonx

if TYPE_CHECKING:
    from hoso.access.publichealth_tracing import ContactTracing
    from hoso.access.repository import AccessRepository

__all__ = ["ChainLogic", "ChainSnapshots"]

MAX_CHAINS_PAGE = 200
MAX_NODE_CAP = 400
MAX_PERIOD_DAYS = 366
STALE_JOB_MINUTES = 10  # a snapshot queued or running longer: its worker died
_CACHED_RESULTS = 2  # parsed results kept (each up to tens of MB as JSON)
_CACHED_LAYOUTS = 64  # chain layouts kept (a few hundred nodes each)


class ChainLogic(Protocol):
    """The pure side (`hoso.publichealth.tracing.logic.TRACING_LOGIC`)."""

    def chains(self, cases: Sequence[tuple[str, str, str, str]],
               edges: Sequence[tuple[str | None, int | None, str, str]], as_of: str,
               active_days: int) -> dict[str, Any]: ...  # fmt: skip
    def indicators(self, rows: dict[str, Any], first: str, last: str, few: int
                   ) -> dict[str, Any]: ...  # fmt: skip
    def layout(self, members: Sequence[Sequence[Any]], node_cap: int) -> Any: ...
    def drawn_keys(self, layout: Any) -> list[str]: ...
    def render(self, layout: Any, label: Callable[[str], str], title: str
               ) -> tuple[str, int, int]: ...  # fmt: skip


def _summary(chain: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in chain.items() if k != "members"}


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise bad(field, f"{field} là số từ {low} đến {high}",
                  f"{field} is a number from {low} to {high}")  # fmt: skip
    return value


class ChainSnapshots:
    def __init__(self, tracing: ContactTracing, bulk: Any, logic: ChainLogic, *,
                 active_days: int = 28) -> None:  # fmt: skip
        self.tracing = tracing  # its rows, disease check and viewer
        self.rows = tracing.rows
        self.bulk = bulk  # hoso.store.publichealth_tracing_bulk.TracingBulk
        self.logic = logic
        self.active_days = active_days
        self._results: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._layouts: OrderedDict[tuple[int, int, int], Any] = OrderedDict()
        self._lock = threading.Lock()

    # -- the job ------------------------------------------------------------------------
    def request(self, repo: AccessRepository, body: dict[str, Any]) -> tuple[Any, bool]:
        """(snapshot, cached): the one asked for, or the same disease and day already."""
        def run() -> tuple[Any, bool]:
            require(repo, SUPERVISORS, "tính chuỗi lây nhiễm / compute chains")
            disease, _days, _every = self.tracing.check_disease(body.get("disease"))
            as_of = check_day(body.get("as_of", hcmc_today()), "as_of", not_after=hcmc_today())
            cached = self.rows.cached_snapshot(disease, as_of,
                                               clock.now_us() - STALE_JOB_MINUTES * 60_000_000)
            if cached is not None and body.get("refresh") is not True:
                found, fresh = cached, False
            else:
                new_id = self.rows.add_snapshot(disease, as_of, repo.principal.agent,
                                                clock.now_us())  # fmt: skip
                found, fresh = self.rows.snapshot(new_id), True
            repo.audit(EXECUTE, "ph-chain-snapshot", entities=(f"ph_chain_snapshot/{found.id}",),
                       description=f"{disease} {as_of} "
                       f"{'mới / new' if fresh else 'có sẵn / cached'}")  # fmt: skip
            return found, not fresh

        return repo.guarded(EXECUTE, "ph-chain-snapshot", "ph_chain_snapshot", run)

    def run(self, snapshot_id: int) -> str:
        """Compute a queued snapshot (the job: a worker thread or `hoso tracing`); its
        status afterwards. Claimed by one UPDATE, so two workers never both compute it."""
        if not self.rows.claim_snapshot(snapshot_id):
            found = self.rows.snapshot(snapshot_id)
            return found.status if found else "absent"
        found = self.rows.snapshot(snapshot_id)
        try:
            cases, edges = self.bulk.chain_rows(found.disease, found.as_of)
            result = self.logic.chains(cases, edges, found.as_of, self.active_days)
            self.rows.finish_snapshot(snapshot_id, at=clock.now_us(),
                                      result=jsonx.dumps_str(result))  # fmt: skip
            self._keep(snapshot_id, result)  # this process's pages need not parse it back
            return "done"
        except Exception as exc:  # recorded as the job's failure, never raised to a caller
            self.rows.finish_snapshot(snapshot_id, at=clock.now_us(),
                                      error=f"{type(exc).__name__}: {str(exc)[:200]}")
            return "failed"

    def _result(self, snapshot_id: int) -> dict[str, Any] | None:
        with self._lock:
            if snapshot_id in self._results:
                self._results.move_to_end(snapshot_id)
                return self._results[snapshot_id]
        text = self.rows.snapshot_result(snapshot_id)
        if text is None:
            return None
        parsed: dict[str, Any] = jsonx.loads(text)
        self._keep(snapshot_id, parsed)
        return parsed

    def _keep(self, snapshot_id: int, result: dict[str, Any]) -> None:
        with self._lock:
            self._results[snapshot_id] = result
            while len(self._results) > _CACHED_RESULTS:
                self._results.popitem(last=False)

    # -- reading ------------------------------------------------------------------------
    def _snapshot(self, repo: AccessRepository, snapshot_id: object) -> Any:
        require(repo, SUPERVISORS, "xem chuỗi lây nhiễm / read chains")
        number = _int(snapshot_id, "id", 1, 2**31 - 1) if not isinstance(snapshot_id, int) \
            else snapshot_id  # fmt: skip
        found = self.rows.snapshot(number)
        if found is None:
            raise not_found("ảnh chụp chuỗi / chain snapshot")
        return found

    def recent(self, repo: AccessRepository, disease: object) -> list[dict[str, Any]]:
        """The latest snapshots of a disease (status, day; no persons)."""
        def run() -> list[dict[str, Any]]:
            require(repo, SUPERVISORS, "xem chuỗi lây nhiễm / read chains")
            code, _days, _every = self.tracing.check_disease(disease)
            found = self.rows.snapshots(code, limit=20)
            repo.audit(READ, "ph-chain-snapshot-list", description=f"{code}: {len(found)}")
            return [{"id": f.id, "disease": f.disease, "as_of": f.as_of, "status": f.status,
                     "requested_by": f.requested_by,
                     "requested_at": clock.fhir_instant(clock.from_us(f.requested_at))}
                    for f in found]  # fmt: skip

        return repo.guarded(READ, "ph-chain-snapshot-list", "ph_chain_snapshot", run)

    def status(self, repo: AccessRepository, snapshot_id: object, *, offset: object = 0,
               limit: object = 50) -> dict[str, Any]:  # fmt: skip
        """A snapshot's status and, when done, its totals and one page of its chains."""
        def run() -> dict[str, Any]:
            found = self._snapshot(repo, snapshot_id)
            first = _int(offset, "offset", 0, 10**7)
            size = _int(limit, "limit", 1, MAX_CHAINS_PAGE)
            out = {"id": found.id, "disease": found.disease, "as_of": found.as_of,
                   "status": found.status, "error": found.error,
                   "requested_at": clock.fhir_instant(clock.from_us(found.requested_at)),
                   "finished_at": clock.fhir_instant(clock.from_us(found.finished_at))
                   if found.finished_at else None}  # fmt: skip
            result = self._result(found.id) if found.status == "done" else None
            if result is not None:
                out.update({"totals": result["totals"], "active_days": result["active_days"],
                            "offset": first, "limit": size,
                            "chains": [_summary(c) for c in result["chains"][first:first + size]]})
            repo.audit(READ, "ph-chain-snapshot", entities=(f"ph_chain_snapshot/{found.id}",),
                       description=f"{found.disease} {found.as_of} {found.status}")
            return out

        return repo.guarded(READ, "ph-chain-snapshot", f"ph_chain_snapshot/{snapshot_id}", run)

    def chain(self, repo: AccessRepository, snapshot_id: object, number: object, *,
              node_cap: object = 150) -> dict[str, Any]:  # fmt: skip
        """One chain: its summary and its drawing (persons as the caller may see them)."""
        def run() -> dict[str, Any]:
            found = self._snapshot(repo, snapshot_id)
            result = self._result(found.id) if found.status == "done" else None
            chains = result["chains"] if result else []
            which = _int(number, "chain", 1, 2**31 - 1)
            cap = _int(node_cap, "node_cap", 10, MAX_NODE_CAP)
            if which > len(chains):
                raise not_found("chuỗi / chain")
            chain = chains[which - 1]
            svg, shown, folded, persons = self._draw(repo, found, chain, cap)
            repo.audit(READ, "ph-chain", patients=persons,
                       entities=(f"ph_chain_snapshot/{found.id}#chain-{which}",),
                       description=f"{chain['size']} thành viên / members; vẽ / drawn {shown}")
            return {"snapshot": found.id, "disease": found.disease, "as_of": found.as_of,
                    "chain": _summary(chain), "svg": svg, "shown": shown, "folded": folded}

        return repo.guarded(READ, "ph-chain", f"ph_chain_snapshot/{snapshot_id}", run)

    def _layout(self, snapshot_id: int, chain: dict[str, Any], cap: int) -> Any:
        """Where a chain's members go (a pass over all of them): kept for the next look."""
        key = (snapshot_id, int(chain["id"]), cap)
        with self._lock:
            found = self._layouts.get(key)
        if found is None:
            found = self.logic.layout(chain["members"], cap)
            with self._lock:
                self._layouts[key] = found
                while len(self._layouts) > _CACHED_LAYOUTS:
                    self._layouts.popitem(last=False)
        return found

    def _draw(self, repo: AccessRepository, found: Any, chain: dict[str, Any], cap: int
              ) -> tuple[str, int, int, list[str]]:  # fmt: skip
        layout = self._layout(found.id, chain, cap)
        persons = [k[2:] for k in self.logic.drawn_keys(layout) if k.startswith("P:")]
        viewer = self.tracing.viewer(repo, persons)
        people = self.rows.patients([p for p in persons if viewer.identified(p)])
        card = self.tracing.logic.card

        def label(key: str) -> str:
            if key.startswith("E:"):
                return f"Sự kiện / Event {key[2:]}"
            pid = key[2:]
            if not viewer.identified(pid):
                return pseudonym(pid, repo.pseudonym_key)
            name = card(people.get(pid))["name"]
            return f"{name} ({pid})" if name else pid

        title = f"Chuỗi {chain['id']} / Chain {chain['id']} — {found.disease} {found.as_of}"
        svg, shown, folded = self.logic.render(layout, label, title)
        return svg, shown, folded, persons

    def indicators(self, repo: AccessRepository, disease: object, first: object,
                   last: object, few: object = 2) -> dict[str, Any]:  # fmt: skip
        def run() -> dict[str, Any]:
            require(repo, SUPERVISORS, "xem chỉ số truy vết / read tracing indicators")
            code, _days, _every = self.tracing.check_disease(disease)
            end = check_day(last if last is not None else hcmc_today(), "to")
            start = check_day(first if first is not None else end, "from", not_after=end)
            if (date.fromisoformat(end) - date.fromisoformat(start)).days >= MAX_PERIOD_DAYS:
                raise bad("from", "khoảng tối đa 366 ngày", "a period of at most 366 days")
            threshold = _int(few, "few", 1, 1000)
            rows = self.bulk.indicator_rows(code, start, end)
            out = self.logic.indicators(rows, start, end, threshold)
            repo.audit(READ, "ph-tracing-indicators", description=f"{code} {start}..{end}")
            return {"disease": code, **out}

        return repo.guarded(READ, "ph-tracing-indicators", "ph_indicators", run)

