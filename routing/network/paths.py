"""Road paths through an ordered list of snapped stops: geometry and street names."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from routing.errors import NoPathError
from routing.network.approximate import haversine_np
from routing.network.compact import CompactGraph
from routing.network.matrix import same_road_weights
from routing.network.results import Leg, RouteGeometry
from routing.network.search import SearchGraph, decode
from routing.network.snapping import Snap
from routing.network.tags import unique_in_order

_Arr = npt.NDArray[np.float64]
#: A piece of a path: (edge, from fraction, to fraction) in the edge's driving direction.
Piece = tuple[int, float, float]


def cut(coords: _Arr, start: float, end: float) -> _Arr:
    """The part of a lon/lat polyline between two fractions of its length."""
    seg = haversine_np(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if cum[-1] <= 0:
        return coords[[0, -1]]
    d0, d1 = start * cum[-1], end * cum[-1]
    ends = np.column_stack([np.interp([d0, d1], cum, coords[:, 0]), np.interp([d0, d1], cum, coords[:, 1])])
    inner = coords[(cum > d0) & (cum < d1)]
    return np.vstack([ends[:1], inner, ends[1:]])


def _edge_between(search: SearchGraph, a: int, b: int) -> int:
    """The (cheapest) edge from node ``a`` to node ``b``."""
    csr = search.forward
    lo, hi = csr.indptr[a], csr.indptr[a + 1]
    j = lo + int(np.flatnonzero(csr.indices[lo:hi] == b)[0])
    return int(search.entry_edge[j])


def _first_piece(search: SearchGraph, p: Snap, first_node: int) -> Piece:
    nodes, offs = search.anchors([p], outgoing=True)
    along = nodes[0, 0] == first_node and (nodes[0, 1] != first_node or offs[0, 0] <= offs[0, 1])
    if along:
        return (p.edge, p.fraction, 1.0)
    return (p.twin, 1.0 - p.fraction, 1.0) if p.twin >= 0 else (p.edge, p.fraction, p.fraction)


def leg_pieces(search: SearchGraph, p: Snap, q: Snap) -> tuple[list[Piece], float]:
    """Pieces of the fastest path from ``p`` to ``q`` and its combined weight."""
    dist, pred = search.tree(p)
    nodes, offs = search.anchors([q], outgoing=False)
    cand = dist[nodes[0]] + offs[0]
    best = int(np.argmin(cand))
    direct = float(same_road_weights(search, [p], [q])[0, 0])
    if not np.isfinite(min(direct, cand[best])):
        raise NoPathError(f"no road path from {p.location} to {q.location}")
    if direct <= cand[best]:
        return (
            [(p.edge, p.fraction, q.fraction)]
            if q.fraction >= p.fraction
            else [(p.twin, 1 - p.fraction, 1 - q.fraction)]
        ), direct
    virtual = search.graph.n_nodes
    chain = [int(nodes[0, best])]
    while pred[chain[-1]] != virtual:
        chain.append(int(pred[chain[-1]]))
    chain.reverse()
    pieces = [_first_piece(search, p, chain[0])]
    pieces += [(_edge_between(search, a, b), 0.0, 1.0) for a, b in itertools.pairwise(chain)]
    if best == 0:
        pieces.append((q.edge, 0.0, q.fraction))
    else:
        pieces.append((q.twin, 0.0, 1.0 - q.fraction) if q.twin >= 0 else (q.edge, q.fraction, q.fraction))
    return pieces, float(cand[best])


def _draw(graph: CompactGraph, pieces: list[Piece]) -> tuple[list[list[float]], tuple[str, ...]]:
    coords: list[list[float]] = []
    names: list[str] = []
    for edge, start, end in pieces:
        if end - start <= 1e-9 and coords:
            continue
        for lon, lat in cut(graph.geometry(edge), start, end).tolist():
            if not coords or coords[-1] != [lon, lat]:
                coords.append([lon, lat])
        if end - start > 1e-9:
            names.append(str(graph.names[graph.name_id[edge]]))
    return coords, tuple(unique_in_order(names))


def network_route(search: SearchGraph, snaps: Sequence[Snap]) -> RouteGeometry:
    """Road path through ``snaps`` in order, as a GeoJSON LineString plus legs."""
    coords: list[list[float]] = []
    legs: list[Leg] = []
    for p, q in itertools.pairwise(snaps):
        pieces, weight = leg_pieces(search, p, q)
        leg_coords, streets = _draw(search.graph, pieces)
        seconds, metres = decode(np.array([weight]))
        legs.append(Leg(int(seconds[0]), int(metres[0]), streets))
        coords.extend(leg_coords[1:] if coords and coords[-1] == leg_coords[0] else leg_coords)
    if not coords and snaps:
        coords = [[snaps[0].on_road.lon, snaps[0].on_road.lat]]
    if len(coords) == 1:
        coords = coords * 2
    return RouteGeometry({"type": "LineString", "coordinates": coords}, tuple(legs), approximate=False)
