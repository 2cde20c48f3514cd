"""A layered (Sugiyama-style) layout in pure Python, near-linear for workflow-shaped graphs.

Graphviz's ``dot`` draws small graphs beautifully but takes seconds past a thousand nodes (ten
for 2,000 here) and needs a program a ``pip install`` does not bring. This layout needs
nothing, and costs about what the graph's size does:

* **Levels.** Each group (a nested ``Steps``/``DAG`` box) is laid out on its own, innermost
  first, over its direct members; a nested group is one box of the size its own layout gave
  it, and every edge is lifted to the level where it joins two members. That is how Argo's
  trees nest, and it keeps each level small.
* **Grids.** Members of a level that share their predecessors and their successors (the items
  of a fan-out, or loose steps) and would make a row wider than :data:`ROW_MAX` are packed
  into a grid, in their order (an expanded fan-out's failed items first), with the aspect of
  the widget's canvas, so they stay readable when the whole graph is fitted in view. The grid
  is one box in its level; :mod:`~dflow_jupyter.widget.layout` reports it.
* **Ranks** by longest path (sources pulled down next to their first successor), **order** in
  a rank by barycentres with a fixed number of sweeps, **x** by a few passes that place each
  rank as close as they can to its neighbours' mean (pool-adjacent-violators, linear in the
  rank's size), **y** by rank.

A level laid out before (``memo``) keeps its members' order and places: a growing workflow
adds boxes without moving the ones already drawn (unless room must be made), and a level
whose members and edges did not change is not laid out again. A fresh layout (a new widget)
is the tidy one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.widget.ranks import NODESEP, coordinates, kept_coordinates, order, ranks

__all__ = ["GRID_PAD", "ROW_MAX", "LevelMemo", "Placed", "layered_levels", "pack_grid", "wide_sets"]

#: Gaps between boxes, in pixels: across a rank, between ranks, inside a grid.
RANKSEP = 38.0
GRID_GAP_X = 12.0
GRID_GAP_Y = 10.0
#: Room between a grid's frame and its members (the browser draws the frame that far out).
GRID_PAD = 8.0
#: Padding inside a group box and the height of its label row.
PAD = 14.0
HEADER = 26.0
#: Siblings that would make a row wider than this are packed into a grid.
ROW_MAX = 1200.0
#: Width : height of a grid (the widget's canvas is about 2.4 times as wide as tall).
GRID_ASPECT = 2.4

Size = tuple[float, float]
#: A member of a level: any hashable key (a node's id, a group's) that is not a :class:`_Grid`.
Key = Any


class _Grid:
    """A grid standing in its level for the members packed into it."""

    __slots__ = ("k",)

    def __init__(self, k: int) -> None:
        self.k = k


#: A box: left, top, width, height.
Box = tuple[float, float, float, float]


@dataclass
class Placed:
    """One level's layout: members' boxes (top-left, in the level), its grids, its size."""

    boxes: dict[Key, Box]
    grids: list[tuple[list[Key], Box]]
    width: float
    height: float


@dataclass
class LevelMemo:
    """What a level's next layout reuses: its last input (to skip it) and its members' places."""

    signature: Any = None
    placed: Placed | None = None
    order: dict[Key, float] = field(default_factory=dict)


def pack_grid(
    members: Sequence[Key], size_of: Callable[[Key], Size]
) -> tuple[list[tuple[float, float]], Size]:
    """Pack ``members`` in rows of equal cells, in their order, about :data:`GRID_ASPECT` times
    as wide as tall, with :data:`GRID_PAD` around them (the frame drawn around a grid).

    Returns each member's top-left offset in the grid and the grid's size.
    """
    sizes = [size_of(m) for m in members]
    cell_w = max(w for w, _ in sizes) + GRID_GAP_X
    cell_h = max(h for _, h in sizes) + GRID_GAP_Y
    n = len(members)
    cols = max(1, min(n, round((n * GRID_ASPECT * cell_h / cell_w) ** 0.5)))
    rows = -(-n // cols)
    # Each box centred in its cell, so the columns line up whatever the labels' lengths.
    inner_w, inner_h = cell_w - GRID_GAP_X, cell_h - GRID_GAP_Y
    offsets = [
        (
            GRID_PAD + (k % cols) * cell_w + (inner_w - w) / 2,
            GRID_PAD + (k // cols) * cell_h + (inner_h - h) / 2,
        )
        for k, (w, h) in enumerate(sizes)
    ]
    return offsets, (cols * cell_w - GRID_GAP_X + 2 * GRID_PAD, rows * cell_h - GRID_GAP_Y + 2 * GRID_PAD)


def _grids(
    members: Sequence[Key],
    preds: Mapping[Key, list[Key]],
    succs: Mapping[Key, list[Key]],
    size_of: Callable[[Key], Size],
) -> list[list[Key]]:
    """Sets of members with the same neighbours whose row would be too wide, in member order."""
    sets: dict[tuple[frozenset[Key], frozenset[Key]], list[Key]] = {}
    for m in members:
        sets.setdefault((frozenset(preds[m]), frozenset(succs[m])), []).append(m)
    return [
        same
        for same in sets.values()
        if len(same) > 2 and sum(size_of(m)[0] + NODESEP for m in same) > ROW_MAX
    ]


def _neighbours(
    members: Sequence[Key], edges: Sequence[tuple[Key, Key]]
) -> tuple[dict[Key, list[Key]], dict[Key, list[Key]]]:
    preds: dict[Key, list[Key]] = {m: [] for m in members}
    succs: dict[Key, list[Key]] = {m: [] for m in members}
    for a, b in edges:
        if a != b and a in preds and b in preds:
            succs[a].append(b)
            preds[b].append(a)
    return preds, succs


def wide_sets(
    members: Sequence[Key], edges: Sequence[tuple[Key, Key]], size_of: Callable[[Key], Size]
) -> list[list[Key]]:
    """The sets of one level's members that its layout packs into grids."""
    return _grids(members, *_neighbours(members, edges), size_of)


def _lay_level(
    members: Sequence[Key],
    edges: Sequence[tuple[Key, Key]],
    size_of: Callable[[Key], Size],
    hint: Mapping[Key, float],
) -> tuple[Placed, dict[Key, float]]:
    """Lay out one level: its placement, and each member's centre x (the next time's hint)."""
    preds, succs = _neighbours(members, edges)
    grids = _grids(members, preds, succs, size_of)
    # The condensed level: a grid is one element in the place of its members.
    element_of: dict[Key, Any] = {m: m for m in members}
    size: dict[Any, Size] = {}
    inner: list[list[tuple[float, float]]] = []
    for k, same in enumerate(grids):
        offsets, box = pack_grid(same, size_of)
        inner.append(offsets)
        grid = _Grid(k)
        size[grid] = box
        for m in same:
            element_of[m] = grid
    elements: list[Any] = []
    for m in members:
        e = element_of[m]
        if e is m:
            size[e] = size_of(m)
            elements.append(e)
        elif grids[e.k][0] is m:
            elements.append(e)
    cp: dict[Any, list[Any]] = {e: [] for e in elements}
    cs: dict[Any, list[Any]] = {e: [] for e in elements}
    seen: set[tuple[Any, Any]] = set()
    for a in members:
        ea = element_of[a]
        for b in succs[a]:
            eb = element_of[b]
            if ea is not eb and (ea, eb) not in seen:
                seen.add((ea, eb))
                cs[ea].append(eb)
                cp[eb].append(ea)
    known: dict[Any, float] = {}
    for m in members:
        if m in hint:
            known.setdefault(element_of[m], hint[m])
    rank = ranks(elements, cp, cs)
    layers: list[list[Any]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for e in elements:
        layers[rank[e]].append(e)
    layers = [layer for layer in layers if layer]
    order(layers, cp, cs, known)
    if known:
        # Laid out before: keep what is drawn in place (a running workflow grows at 10 Hz),
        # shifted only if something new went left of everything.
        xs = kept_coordinates(layers, cp, size, known)
        left = 0.0
    else:
        xs = coordinates(layers, cp, cs, size)
        left = min((xs[e] - size[e][0] / 2 for e in elements), default=0.0)
    boxes: dict[Key, Box] = {}
    grid_boxes: list[tuple[list[Key], Box]] = []
    centre: dict[Key, float] = {}
    top = width = 0.0
    for layer in layers:
        rank_h = max(size[e][1] for e in layer)
        for e in layer:
            w, h = size[e]
            ex, ey = xs[e] - w / 2 - left, top + (rank_h - h) / 2
            width = max(width, ex + w)
            if not isinstance(e, _Grid):
                boxes[e] = (ex, ey, w, h)
                centre[e] = ex + w / 2
                continue
            same = grids[e.k]
            grid_boxes.append((same, (ex, ey, w, h)))
            for m, (ox, oy) in zip(same, inner[e.k], strict=True):
                mw, mh = size_of(m)
                boxes[m] = (ex + ox, ey + oy, mw, mh)
                centre[m] = ex + w / 2
        top += rank_h + RANKSEP
    return Placed(boxes, grid_boxes, width, max(0.0, top - RANKSEP)), centre


def layered_levels(
    levels: Sequence[tuple[Key | None, Sequence[Key], Sequence[tuple[Key, Key]]]],
    node_size: Callable[[Key], Size],
    memo: dict[Key | None, LevelMemo] | None = None,
    *,
    min_width: Callable[[Key], float] = lambda container: 120.0,
) -> tuple[dict[Key, Box], list[tuple[list[Key], Box]], Size]:
    """Lay out nested levels; absolute top-left boxes of the members, the grids, the total size.

    ``levels`` are ``(container, members, edges)`` with every container's level before the
    level that holds it, the top level (container ``None``) last. Members are hashable keys
    (unique across levels); a member that is a container is sized by its own level (plus padding and a label
    row of at least ``min_width``). ``memo`` (container -> :class:`LevelMemo`) is read and
    updated: an unchanged level is reused, a changed one keeps its members' order.
    """
    memo = {} if memo is None else memo
    sizes: dict[Key, Size] = {}
    local: dict[Key | None, Placed] = {}

    def size_of(m: Key) -> Size:
        found = sizes.get(m)
        return found if found is not None else node_size(m)

    for container, members, edges in levels:
        signature = (tuple(members), tuple(size_of(m) for m in members), tuple(edges))
        entry = memo.get(container)
        if entry is not None and entry.signature == signature and entry.placed is not None:
            placed = entry.placed
        else:
            placed, centre = _lay_level(members, edges, size_of, entry.order if entry else {})
            memo[container] = LevelMemo(signature, placed, centre)
        local[container] = placed
        if container is not None:
            sizes[container] = (
                max(placed.width + 2 * PAD, min_width(container)),
                placed.height + HEADER + PAD,
            )
    # Outermost first: a member's place is its container's plus its own.
    absolute: dict[Key, Box] = {}
    grids: list[tuple[list[Key], Box]] = []
    origin: dict[Key | None, tuple[float, float]] = {None: (0.0, 0.0)}
    for container, _members, _edges in reversed(levels):
        ox, oy = origin[container]
        placed = local[container]
        if container is not None:
            # Members are centred in a box that may be wider than they are (a long label).
            ox += (sizes[container][0] - placed.width) / 2
            oy += HEADER
        for m, (x, y, w, h) in placed.boxes.items():
            absolute[m] = (ox + x, oy + y, w, h)
            if m in local:
                origin[m] = (ox + x, oy + y)
        for same, (x, y, w, h) in placed.grids:
            grids.append((same, (ox + x, oy + y, w, h)))
    top = local.get(None) or Placed({}, [], 0.0, 0.0)
    return absolute, grids, (top.width, top.height)
