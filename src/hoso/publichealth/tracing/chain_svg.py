"""One chain drawn as SVG on the server: generations as columns, F0 on the left.

A chain of 50,000 persons cannot be drawn node by node and stay readable (SORMAS's view
gives up near 4,700 cases), so each column shows at most its share of `node_cap`
members — cases first, then events, then the contacts with most onward links — and
folds the rest into one counted group node ("+1.234 tiếp xúc / contacts"). Lines follow
the chain's spanning tree (who reached whom first); a line to a folded member goes to
its group. Generations beyond `max_columns` share the last column. Plain SVG with
presentation attributes and no script or inline style (the pages' CSP), labels escaped.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from hoso.core.vi_format import vi_number

__all__ = ["ChainDrawing", "ChainLayout", "chain_layout", "draw_chain", "render_chain"]

_COL_W, _ROW_H, _PAD, _NODE_R = 170, 30, 24, 8
_FILL = {"c": "#b91c1c", "s": "#f59e0b", "k": "#2563eb", "e": "#6b7280", "g": "#e5e7eb"}
_KIND_ORDER = {"c": 0, "s": 1, "e": 2, "k": 3}


@dataclass(frozen=True, slots=True)
class ChainDrawing:
    svg: str
    shown: int  # members drawn one by one
    folded: int  # members folded into group nodes


@dataclass(frozen=True, slots=True)
class ChainLayout:
    """Where everything goes, whoever looks: computed once per chain and cap (a pass over
    every member), then drawn for each caller with their own labels (a pass over the
    drawn ones only)."""

    columns: int
    max_columns: int
    nodes: tuple[tuple[str, int, int, str], ...]  # key, x, y, kind of each member drawn
    groups: tuple[tuple[int, int, int, int], ...]  # column, x, y, members folded
    lines: tuple[tuple[int, int, int, int], ...]
    rows: int
    total: int


def _depths(members: Sequence[Sequence[Any]]) -> list[int]:
    """Generation, or search depth where the chain has no confirmed source (-1)."""
    depth: list[int] = []
    for _key, gen, parent, _kind in members:
        depth.append(gen if gen >= 0 else (depth[parent] + 1 if parent >= 0 else 0))
    return depth


def _columns(members: Sequence[Sequence[Any]], max_columns: int) -> list[list[int]]:
    depth = _depths(members)
    columns: list[list[int]] = [[] for _ in range(min(max(depth, default=0) + 1, max_columns))]
    for i, d in enumerate(depth):
        columns[min(d, max_columns - 1)].append(i)
    return columns


def _chosen(columns: list[list[int]], members: Sequence[Sequence[Any]],
            node_cap: int) -> set[int]:  # fmt: skip
    children = [0] * len(members)
    for _key, _gen, parent, _kind in members:
        if parent >= 0:
            children[parent] += 1
    per_column = max(5, node_cap // max(len(columns), 1))
    shown: set[int] = set()
    for column in columns:  # the first few of a column, not a sort of 100,000
        shown.update(heapq.nsmallest(per_column, column, key=lambda i: (
            _KIND_ORDER[members[i][3]], -children[i], i)))
    return shown


def chain_layout(members: Sequence[Sequence[Any]], *, node_cap: int = 150,
                 max_columns: int = 10) -> ChainLayout:  # fmt: skip
    """`members` as `chains.compute_chains` keeps them: [key, generation, parent, kind]."""
    columns = _columns(members, max_columns)
    shown = _chosen(columns, members, node_cap)
    place: dict[int, tuple[int, int]] = {}  # member → (x, y) of its node or its group
    nodes, groups, rows = [], [], 0
    for c, column in enumerate(columns):
        x, row = _PAD + c * _COL_W, 0
        for i in column:
            if i in shown:
                place[i] = (x, _PAD + row * _ROW_H)
                nodes.append((members[i][0], *place[i], members[i][3]))
                row += 1
        hidden = len(column) - sum(1 for i in column if i in shown)
        if hidden:
            spot = (x, _PAD + row * _ROW_H)
            groups.append((c, *spot, hidden))
            for i in column:
                if i not in shown:
                    place[i] = spot
            row += 1
        rows = max(rows, row)
    lines = set()
    for i, (_key, _gen, parent, _kind) in enumerate(members):
        if parent >= 0 and place[parent] != place[i]:
            lines.add((*place[parent], *place[i]))
    return ChainLayout(len(columns), max_columns, tuple(nodes), tuple(groups),
                       tuple(sorted(lines)), rows, len(members))  # fmt: skip


def render_chain(layout: ChainLayout, label: Callable[[str], str], *, title: str
                 ) -> ChainDrawing:  # fmt: skip
    """The layout as SVG, each drawn member named by `label` (escaped here)."""
    last = layout.max_columns - 1
    width = _PAD * 2 + layout.columns * _COL_W
    height = _PAD * 2 + max(layout.rows, 1) * _ROW_H
    heads = "".join(f'<text x="{_PAD + c * _COL_W}" y="14" font-size="12" '
                    f'font-weight="bold">F{c}{"+" if c == last else ""}</text>'
                    for c in range(layout.columns))  # fmt: skip
    edges = "".join(f'<line x1="{a}" y1="{b}" x2="{c}" y2="{d}" stroke="#9ca3af" '
                    'stroke-width="1"/>' for a, b, c, d in layout.lines)  # fmt: skip
    drawn = [_node((x, y), kind, label(key)) for key, x, y, kind in layout.nodes]
    drawn += [_node((x, y), "g", f"+{vi_number(n)} (F{c}{'+' if c == last else ''})")
              for c, x, y, n in layout.groups]  # fmt: skip
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
           f"<title>{escape(title)}</title>{heads}<g>{edges}</g><g>{''.join(drawn)}</g></svg>")
    shown = len(layout.nodes)
    return ChainDrawing(svg, shown, layout.total - shown)


def draw_chain(members: Sequence[Sequence[Any]], label: Callable[[str], str], *,
               title: str, node_cap: int = 150, max_columns: int = 10) -> ChainDrawing:  # fmt: skip
    """Layout and drawing at once."""
    layout = chain_layout(members, node_cap=node_cap, max_columns=max_columns)
    return render_chain(layout, label, title=title)


def _node(at: tuple[int, int], kind: str, text: str) -> str:
    x, y = at
    shape = (f'<rect x="{x - _NODE_R}" y="{y - _NODE_R}" width="{2 * _NODE_R}" '
             f'height="{2 * _NODE_R}" fill="{_FILL[kind]}" stroke="#374151"/>'
             if kind in ("e", "g") else
             f'<circle cx="{x}" cy="{y}" r="{_NODE_R}" fill="{_FILL[kind]}"/>')  # fmt: skip
    # The label shortened on the drawing, whole in the node's tooltip.
    return (f"<g><title>{escape(text)}</title>{shape}<text x=\"{x + _NODE_R + 4}\" "
            f"y=\"{y + 4}\" font-size=\"11\">{escape(text[:22])}</text></g>")
