"""Infection chains: the contact graph's connected components, as of a day.

Nodes are persons ("P:<Patient id>") and events or clusters ("E:<id>"); an edge is a
contact or exposure (source → target). A chain is a connected component (edges taken
without direction) holding at least one case. Per chain:

- generation: graph distance from the chain's confirmed source(s) (F0 = the confirmed
  cases no confirmed case infected, or the earliest confirmed one when a loop leaves
  none), computed by one breadth-first search from all sources at once — computed for
  each snapshot, never written to a case or contact row. An event is a node like a
  person: two persons exposed at one event are two steps apart. A chain with no
  confirmed case has no generations (-1);
- active when a case's onset or report, or an exposure, falls within the last
  `active_days` days of the as-of day; inactive otherwise;
- size (persons and events), cases, contacts, first and last day, duration in days.

The members are kept in search order with each one's parent in the search (its place
in a spanning tree of the chain): enough to draw the chain (`chain_svg`) without the
300,000 edges.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx

__all__ = ["CaseNode", "ContactEdge", "compute_chains"]

CONFIRMED = "confirmed"
# Member kinds as the snapshot stores them (one letter: 400,000 members stay small).
KIND_CONFIRMED, KIND_CASE, KIND_CONTACT, KIND_EVENT = "c", "s", "k", "e"


@dataclass(frozen=True, slots=True)
class CaseNode:
    patient_id: str
    classification: str  # suspected | probable | confirmed
    onset: str  # ISO day
    report: str


@dataclass(frozen=True, slots=True)
class ContactEdge:
    source: str  # "P:<id>" or "E:<id>"
    target: str  # "P:<id>"
    last_exposure: str  # ISO day


def person(patient_id: str) -> str:
    return f"P:{patient_id}"


def event(event_id: int) -> str:
    return f"E:{event_id}"


def _days(first: str, last: str) -> int:
    return (date.fromisoformat(last) - date.fromisoformat(first)).days + 1


def _sources(members: list[str], cases: dict[str, CaseNode], infected: set[str]) -> list[str]:
    confirmed = [m for m in members if m in cases and cases[m].classification == CONFIRMED]
    roots = [m for m in confirmed if m not in infected]
    if roots or not confirmed:
        return sorted(roots)
    return [min(confirmed, key=lambda m: (cases[m].onset, m))]  # a loop: the earliest


def _search(graph: nx.Graph, starts: list[str]) -> tuple[list[str], dict[str, int],
                                                            dict[str, str]]:  # fmt: skip
    """Breadth-first from all `starts` at once: order, distance and parent of each node."""
    order, distance, parent = list(starts), dict.fromkeys(starts, 0), {}
    queue = deque(starts)
    adjacency = graph.adj
    while queue:
        node = queue.popleft()
        step = distance[node] + 1
        for other in adjacency[node]:
            if other not in distance:
                distance[other], parent[other] = step, node
                order.append(other)
                queue.append(other)
    return order, distance, parent


def _kind(node: str, cases: dict[str, CaseNode]) -> str:
    if node.startswith("E:"):
        return KIND_EVENT
    found = cases.get(node)
    if found is None:
        return KIND_CONTACT
    return KIND_CONFIRMED if found.classification == CONFIRMED else KIND_CASE


def _chain(members: list[str], graph: nx.Graph, cases: dict[str, CaseNode],
           infected: set[str], last_day: dict[str, tuple[str, str]], as_of: date,
           active_days: int) -> dict[str, Any]:  # fmt: skip
    sources = _sources(members, cases, infected)
    start = sources or [min((m for m in members if m in cases),
                            key=lambda m: (cases[m].onset, m))]  # fmt: skip
    order, distance, parent = _search(graph, start)
    index = {node: i for i, node in enumerate(order)}
    has_generations = bool(sources)
    rows, generations = [], {}
    for node in order:
        gen = distance[node] if has_generations else -1
        generations[gen] = generations.get(gen, 0) + 1
        rows.append([node, gen, index[parent[node]] if node in parent else -1,
                     _kind(node, cases)])  # fmt: skip
    spans = [last_day[m] for m in members if m in last_day]
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    n_cases = sum(1 for m in members if m in cases)
    n_events = sum(1 for m in members if m.startswith("E:"))
    return {
        "size": len(members), "cases": n_cases, "contacts": len(members) - n_cases - n_events,
        "events": n_events, "sources": len(sources),
        "confirmed": sum(1 for m in members if _kind(m, cases) == KIND_CONFIRMED),
        "first": first, "last": last, "duration_days": _days(first, last),
        "active": (as_of - date.fromisoformat(last)).days < active_days,
        "max_generation": max(generations) if has_generations else -1,
        "generations": {str(k): v for k, v in sorted(generations.items())},
        "members": rows,
    }  # fmt: skip


def _spans(cases: dict[str, CaseNode], edges: list[ContactEdge]) -> dict[str, tuple[str, str]]:
    """Each node's earliest and latest day: onsets and reports of cases, exposures."""
    spans: dict[str, tuple[str, str]] = {}

    def widen(node: str, day: str) -> None:
        low, high = spans.get(node, (day, day))
        spans[node] = (min(low, day), max(high, day))

    for node, case in cases.items():
        widen(node, case.onset)
        widen(node, case.report)
    for edge in edges:
        widen(edge.target, edge.last_exposure)
    return spans


def compute_chains(cases: Iterable[CaseNode], edges: Iterable[ContactEdge], as_of: date,
                   active_days: int = 28) -> dict[str, Any]:  # fmt: skip
    """The chains of one disease as of a day, largest first, numbered from 1."""
    by_node = {person(c.patient_id): c for c in cases}
    edge_list = list(edges)
    graph = nx.Graph()
    graph.add_nodes_from(by_node)
    graph.add_edges_from((e.source, e.target) for e in edge_list)
    confirmed = {n for n, c in by_node.items() if c.classification == CONFIRMED}
    infected = {e.target for e in edge_list if e.source in confirmed}
    spans = _spans(by_node, edge_list)
    chains = []
    for component in nx.connected_components(graph):
        members = sorted(component)
        if any(m in by_node for m in members):
            chains.append(_chain(members, graph, by_node, infected, spans, as_of, active_days))
    chains.sort(key=lambda c: (-c["size"], c["first"], c["members"][0][0]))
    for number, chain in enumerate(chains, start=1):
        chain["id"] = number
    return {
        "as_of": as_of.isoformat(), "active_days": active_days, "chains": chains,
        "totals": {"chains": len(chains), "active": sum(1 for c in chains if c["active"]),
                   "persons": sum(c["size"] - c["events"] for c in chains),
                   "cases": sum(c["cases"] for c in chains), "edges": len(edge_list)},
    }  # fmt: skip
