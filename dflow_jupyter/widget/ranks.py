"""One level of a layered layout: ranks, the order within each rank, and x coordinates.

Pure functions over elements (any hashable) and their predecessors and successors, used by
:mod:`~dflow_jupyter.widget.layered` for each level of a graph (a grid counts as one element).
All are linear in the level's size but for the sorts of the order sweeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["NODESEP", "coordinates", "kept_coordinates", "order", "ranks"]

#: Pixels between two boxes of one rank.
NODESEP = 22.0
#: Barycentre sweeps (down, up, down, ...) of a level laid out for the first time.
SWEEPS = 4
#: Coordinate passes (down, up, down, ...).
PASSES = 4

Size = tuple[float, float]


def ranks(
    elements: Sequence[Any], preds: dict[Any, list[Any]], succs: dict[Any, list[Any]]
) -> dict[Any, int]:
    """Longest-path ranks (an edge that closes a cycle is ignored); a source sits just above
    its first successor rather than at the top."""
    indeg = {e: len(preds[e]) for e in elements}
    queue = [e for e in elements if indeg[e] == 0]
    rank = dict.fromkeys(elements, 0)
    seen: set[Any] = set()
    done = 0
    while done < len(elements):
        if done == len(queue):  # only cycles left: break one at its earliest element
            queue.append(next(e for e in elements if e not in seen and e not in queue[done:]))
        e = queue[done]
        done += 1
        seen.add(e)
        r = rank[e] + 1
        for s in succs[e]:
            if s in seen:
                continue
            if rank[s] < r:
                rank[s] = r
            indeg[s] -= 1
            if indeg[s] == 0:
                queue.append(s)
    for e in elements:
        if not preds[e] and succs[e]:
            rank[e] = max(rank[e], min(rank[s] for s in succs[e]) - 1)
    return rank


def order(
    layers: list[list[Any]],
    preds: dict[Any, list[Any]],
    succs: dict[Any, list[Any]],
    hint: Mapping[Any, float],
) -> None:
    """Order each rank in place: by barycentre sweeps the first time; later, members laid out
    before keep their order (``hint``: their last centre x) and a new one goes next to its
    predecessors, or to the end of its rank."""
    if any(e in hint for layer in layers for e in layer):
        key: dict[Any, float] = {}
        end = max(hint.values(), default=0.0) + 1.0
        for layer in layers:
            for e in layer:
                if e in hint:
                    key[e] = hint[e]
                else:
                    near = [key[p] for p in preds[e] if p in key]
                    key[e] = sum(near) / len(near) + 0.5 if near else end
            layer.sort(key=key.__getitem__)
        return
    pos: dict[Any, float] = {}
    for layer in layers:
        pos.update((e, float(i)) for i, e in enumerate(layer))
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        for layer in layers[1:] if down else layers[-2::-1]:
            bary = {}
            for e in layer:
                near = preds[e] if down else succs[e]
                bary[e] = sum(pos[n] for n in near) / len(near) if near else pos[e]
            layer.sort(key=bary.__getitem__)
            pos.update((e, float(i)) for i, e in enumerate(layer))


def _place_rank(want: list[float], weight: list[float], widths: list[float]) -> list[float]:
    """Centres as close as they can be to ``want`` (weighted least squares), in order, apart.

    Pool-adjacent-violators over ``z_i = x_i - o_i``, ``o_i`` being the least offsets: linear.
    """
    offsets = [0.0]
    for i in range(1, len(want)):
        offsets.append(offsets[-1] + (widths[i - 1] + widths[i]) / 2 + NODESEP)
    sums: list[float] = []
    weights: list[float] = []
    counts: list[int] = []
    for i, target in enumerate(want):
        s, w, c = (target - offsets[i]) * weight[i], weight[i], 1
        while sums and sums[-1] / weights[-1] >= s / w:
            s, w, c = s + sums.pop(), w + weights.pop(), c + counts.pop()
        sums.append(s)
        weights.append(w)
        counts.append(c)
    out: list[float] = []
    for s, w, c in zip(sums, weights, counts, strict=True):
        z, first = s / w, len(out)
        out.extend([z + offsets[first + j] for j in range(c)])
    return out


def coordinates(
    layers: list[list[Any]],
    preds: dict[Any, list[Any]],
    succs: dict[Any, list[Any]],
    size: Mapping[Any, Size],
) -> dict[Any, float]:
    """Centre x of every element: each rank packed, then pulled towards its neighbours."""
    x: dict[Any, float] = {}
    for layer in layers:
        left = -(sum(size[e][0] for e in layer) + NODESEP * (len(layer) - 1)) / 2
        for e in layer:
            w = size[e][0]
            x[e] = left + w / 2
            left += w + NODESEP
    for p in range(PASSES):
        down = p % 2 == 0
        for layer in layers[1:] if down else layers[-2::-1]:
            want, weight = [], []
            for e in layer:
                near = preds[e] if down else succs[e]
                if near:
                    want.append(sum(x[n] for n in near) / len(near))
                    weight.append(float(len(near)))
                else:  # nothing pulls it: it stays unless pushed
                    want.append(x[e])
                    weight.append(0.25)
            x.update(zip(layer, _place_rank(want, weight, [size[e][0] for e in layer]), strict=True))
    return x


def kept_coordinates(
    layers: list[list[Any]], preds: dict[Any, list[Any]], size: Mapping[Any, Size], known: Mapping[Any, float]
) -> dict[Any, float]:
    """Centre x of a level laid out before: what was there stays (unless a newcomer needs the
    room), a new element goes under its predecessors, or after its left neighbour."""
    x: dict[Any, float] = {}
    for layer in layers:
        want: list[float] = []
        weight: list[float] = []
        widths = [size[e][0] for e in layer]
        for i, e in enumerate(layer):
            if e in known:
                want.append(known[e])
                weight.append(1000.0)
                continue
            near = [x[p] for p in preds[e] if p in x]
            if near:
                want.append(sum(near) / len(near))
            else:
                want.append(want[-1] + (widths[i - 1] + widths[i]) / 2 + NODESEP if want else widths[i] / 2)
            weight.append(1.0)
        placed = _place_rank(want, weight, widths)
        # Nothing goes left of the level's edge: what would is pushed right, with its rank's
        # neighbours (shifting the whole level would move every box drawn).
        edge = 0.0
        for i, w in enumerate(widths):
            placed[i] = max(placed[i], edge + w / 2)
            edge = placed[i] + w / 2 + NODESEP
        x.update(zip(layer, placed, strict=True))
    return x
