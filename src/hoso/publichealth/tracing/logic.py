"""The tracing rules as one object with plain arguments (ISO day strings, ids), for the
access facade (`hoso.access.publichealth_tracing.TracingLogic`), which may not import
this package: the composition root hands it `TRACING_LOGIC`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from hoso.identity.addresses import normalise_address
from hoso.publichealth.tracing import followup
from hoso.publichealth.tracing.chain_svg import ChainLayout, chain_layout, render_chain
from hoso.publichealth.tracing.chains import CaseNode, ContactEdge, compute_chains, event, person
from hoso.publichealth.tracing.indicators import (
    CaseRow,
    EdgeRow,
    FollowupDay,
    tracing_indicators,
)

__all__ = ["TRACING_LOGIC", "TracingRules"]


class TracingRules:
    def __init__(self, rules: followup.ClosingRules | None = None) -> None:
        self.closing_rules = rules or followup.ClosingRules()

    def schedule(self, last_exposure: str, followup_days: int, every_days: int,
                 current: tuple[str, str, int] | None = None) -> tuple[str, str]:  # fmt: skip
        """(start, end) after an exposure; with `current` (start, end, every) a
        re-exposure that only ever moves the period later."""
        exposed = followup.parse_day(last_exposure, "last_exposure")
        if current is None:
            return followup.schedule(exposed, followup_days, every_days).iso()
        plan = followup.Schedule(date.fromisoformat(current[0]), date.fromisoformat(current[1]),
                                 current[2])  # fmt: skip
        return followup.restarted(plan, exposed, followup_days).iso()

    def due(self, start: str, end: str, every: int, day: str) -> bool:
        plan = followup.Schedule(date.fromisoformat(start), date.fromisoformat(end), every)
        return followup.due_on(plan, date.fromisoformat(day))

    def closing(self, start: str, end: str, every: int, outcomes: dict[str, str],
                today: str) -> str:  # fmt: skip
        plan = followup.Schedule(date.fromisoformat(start), date.fromisoformat(end), every)
        days = {date.fromisoformat(d): o for d, o in outcomes.items()}
        return followup.closing_status(plan, days, date.fromisoformat(today), self.closing_rules)

    def round_robin(self, items: Sequence[int], team: Sequence[str],
                    load: dict[str, int]) -> dict[int, str]:  # fmt: skip
        return followup.round_robin(items, team, load)

    def chains(self, cases: Sequence[tuple[str, str, str, str]],
               edges: Sequence[tuple[str | None, int | None, str, str]], as_of: str,
               active_days: int) -> dict[str, Any]:  # fmt: skip
        nodes = (CaseNode(*row) for row in cases)
        links = (ContactEdge(person(sp) if sp is not None else event(int(se or 0)),
                             person(target), last) for sp, se, target, last in edges)
        return compute_chains(nodes, links, date.fromisoformat(as_of), active_days)

    def indicators(self, rows: dict[str, Any], first: str, last: str, few: int
                   ) -> dict[str, Any]:  # fmt: skip
        days = {d: FollowupDay(n, rows["seen"].get(d, 0)) for d, n in rows["due"].items()}
        return tracing_indicators(
            cases=[CaseRow(*r) for r in rows["cases"]], edges=[EdgeRow(*r) for r in rows["edges"]],
            statuses=rows["statuses"], days=days, period=(first, last), few_contacts=few)

    def layout(self, members: Sequence[Sequence[Any]], node_cap: int) -> ChainLayout:
        return chain_layout(members, node_cap=node_cap)

    def drawn_keys(self, layout: ChainLayout) -> list[str]:
        return [key for key, _x, _y, _kind in layout.nodes]

    def render(self, layout: ChainLayout, label: Callable[[str], str], title: str
               ) -> tuple[str, int, int]:  # fmt: skip
        drawing = render_chain(layout, label, title=title)
        return drawing.svg, drawing.shown, drawing.folded

    def card(self, patient: dict[str, Any] | None) -> dict[str, str]:
        """Name, phone, home address and ward of a Patient, as a visit needs them."""
        return person_card(patient or {})


def _home(patient: dict[str, Any]) -> dict[str, Any]:
    addresses = [a for a in patient.get("address") or () if isinstance(a, dict)]
    return ([a for a in addresses if a.get("use") == "home"] or addresses or [{}])[0]


def person_card(patient: dict[str, Any]) -> dict[str, str]:
    names = [n for n in patient.get("name") or () if isinstance(n, dict)]
    name = ([n for n in names if n.get("use") == "official"] or names or [{}])[0]
    text = name.get("text") if isinstance(name.get("text"), str) else ""
    given = " ".join(g for g in name.get("given") or () if isinstance(g, str))
    family = name.get("family") if isinstance(name.get("family"), str) else ""
    phones = [str(t.get("value")) for t in patient.get("telecom") or ()
              if isinstance(t, dict) and t.get("system") == "phone" and t.get("value")]
    home = _home(patient)
    lines = [x for x in home.get("line") or () if isinstance(x, str)]
    parts = [*lines, *(home.get(k) for k in ("city",) if isinstance(home.get(k), str))]
    ward = normalise_address(home).ward_code if home else None
    return {"name": text or " ".join(w for w in (family, given) if w),
            "phone": ", ".join(phones), "address": ", ".join(p for p in parts if p)
            or str(home.get("text") or ""), "ward": ward or "",
            "birth_date": str(patient.get("birthDate") or "")}  # fmt: skip


TRACING_LOGIC = TracingRules()
