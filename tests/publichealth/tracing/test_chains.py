"""Chains: components, generations from the confirmed source, active or not, and the
drawing's folding beyond the node cap."""

from __future__ import annotations

from datetime import date

from hoso.publichealth.tracing.chain_svg import draw_chain
from hoso.publichealth.tracing.chains import CaseNode, ContactEdge, compute_chains

AS_OF = date(2026, 11, 30)


def _case(pid: str, cls: str = "confirmed", onset: str = "2026-11-01") -> CaseNode:
    return CaseNode(pid, cls, onset, onset)


def _edge(source: str, target: str, day: str = "2026-11-02") -> ContactEdge:
    return ContactEdge(source, target, day)


def _gens(chain: dict) -> dict[str, int]:
    return {key: gen for key, gen, _parent, _kind in chain["members"]}


def test_generations_are_distances_from_the_confirmed_source() -> None:
    cases = [_case("a"), _case("b", onset="2026-11-05"), _case("x", "suspected")]
    edges = [_edge("P:a", "P:b"), _edge("P:b", "P:c"), _edge("P:c", "P:d"),
             _edge("P:x", "P:y")]  # fmt: skip
    result = compute_chains(cases, edges, AS_OF)
    first, second = result["chains"]
    assert (first["id"], first["size"], first["cases"], first["contacts"]) == (1, 4, 2, 2)
    assert _gens(first) == {"P:a": 0, "P:b": 1, "P:c": 2, "P:d": 3}
    assert first["sources"] == 1 and first["max_generation"] == 3
    assert first["generations"] == {"0": 1, "1": 1, "2": 1, "3": 1}
    # No confirmed case: no generations.
    assert second["max_generation"] == -1 and set(_gens(second).values()) == {-1}
    # The second chain's last day (the 2nd) is 28 days back: no longer active.
    assert result["totals"] == {"chains": 2, "active": 1, "persons": 6, "cases": 3, "edges": 4}


def test_an_event_is_a_node_and_a_loop_picks_the_earliest() -> None:
    cases = [_case("a", onset="2026-11-03"), _case("b", onset="2026-11-01")]
    edges = [_edge("P:a", "P:b"), _edge("P:b", "P:a"), _edge("E:7", "P:c")]
    chain = compute_chains(cases, [*edges, _edge("E:7", "P:a")], AS_OF)["chains"][0]
    gens = _gens(chain)
    assert gens["P:b"] == 0 and gens["P:a"] == 1  # each infected the other: the earliest
    assert gens["E:7"] == 2 and gens["P:c"] == 3 and chain["events"] == 1


def test_active_inactive_and_duration() -> None:
    cases = [_case("old", onset="2026-08-01"), _case("new", onset="2026-11-20")]
    result = compute_chains(cases, [_edge("P:old", "P:k", "2026-08-03")], AS_OF, active_days=28)
    by_first = {c["first"]: c for c in result["chains"]}
    assert by_first["2026-08-01"]["active"] is False
    assert by_first["2026-08-01"]["duration_days"] == 3
    assert by_first["2026-11-20"]["active"] is True
    # Contacts with no case in their component are no chain.
    alone = compute_chains([], [_edge("P:p", "P:q")], AS_OF)
    assert alone["chains"] == []


def test_a_large_chain_is_drawn_within_the_cap() -> None:
    cases = [_case("root")]
    edges = [_edge("P:root", f"P:c{i}") for i in range(3000)]
    edges += [_edge(f"P:c{i}", f"P:d{i}") for i in range(3000)]
    chain = compute_chains(cases, edges, AS_OF)["chains"][0]
    drawing = draw_chain(chain["members"], lambda key: key, title="Chuỗi <1>", node_cap=60)
    assert drawing.shown <= 60 and drawing.shown + drawing.folded == 6001
    assert "+2.980 (F1)" in drawing.svg and "+2.980 (F2)" in drawing.svg  # counted groups
    assert "Chuỗi &lt;1&gt;" in drawing.svg and "<script" not in drawing.svg
    assert drawing.svg.count("<circle") + drawing.svg.count("<rect") == drawing.shown + 2


def test_labels_are_escaped() -> None:
    chain = compute_chains([_case("a")], [_edge("P:a", "P:b")], AS_OF)["chains"][0]
    svg = draw_chain(chain["members"], lambda key: "<b>&" + key, title="t").svg
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
