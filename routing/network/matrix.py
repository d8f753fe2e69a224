"""Many-to-many travel matrices between snapped points, with a reusable cache.

The cache keeps the combined weights (see :mod:`routing.network.search`)
between every pair of points it has seen on one network, keyed by the point
rounded to ``RoutingSettings.point_key_decimals``. A request over known points
is a lookup; each new point costs one forward search (its row) and one
backward search (its column), or forward searches from the known points when
there are fewer of them than new ones.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from routing.geo import Location
from routing.network.search import SearchGraph
from routing.network.snapping import Snap

_Arr = npt.NDArray[np.float64]


def same_road_weights(search: SearchGraph, rows: Sequence[Snap], cols: Sequence[Snap]) -> _Arr:
    """Weights of driving directly along a shared edge (``inf`` where not possible).

    A path found through the graph leaves a point's edge; two points on the
    same edge can also be joined directly, forward along the edge, or backward
    along its twin on a two-way road.
    """
    out = np.full((len(rows), len(cols)), np.inf)
    by_edge: dict[int, list[int]] = {}
    for j, snap in enumerate(cols):
        by_edge.setdefault(snap.edge, []).append(j)
    for i, p in enumerate(rows):
        for j in by_edge.get(p.edge, []):
            q = cols[j]
            if q.fraction >= p.fraction:
                out[i, j] = search.offset(np.array([p.edge]), np.array([q.fraction - p.fraction]))[0]
            elif p.twin >= 0:
                out[i, j] = search.offset(np.array([p.twin]), np.array([p.fraction - q.fraction]))[0]
    return out


class MatrixCache:
    """Pairwise weights between all points seen so far on one network.

    Parameters
    ----------
    search
        The network's search graph.
    capacity
        Most points kept; beyond it the cache is emptied and refilled.
    decimals
        Rounding of lon/lat in the cache key.
    workers
        Processes used for searches.
    """

    def __init__(self, search: SearchGraph, capacity: int, decimals: int, workers: int) -> None:
        self._search = search
        self._capacity = capacity
        self._decimals = decimals
        self._workers = workers
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Forget every point."""
        self._index: dict[tuple[float, float], int] = {}
        self._snaps: list[Snap] = []
        self._weights: _Arr = np.zeros((0, 0))

    def __len__(self) -> int:
        return len(self._snaps)

    def key(self, location: Location) -> tuple[float, float]:
        """Cache key of a point."""
        return (round(location.lon, self._decimals), round(location.lat, self._decimals))

    def weights(self, snaps: Sequence[Snap]) -> _Arr:
        """``[i, j]`` combined weights between the given snapped points."""
        with self._lock:
            keys = [self.key(s.location) for s in snaps]
            new: dict[tuple[float, float], Snap] = {}
            for k, s in zip(keys, snaps, strict=True):
                if k not in self._index:
                    new.setdefault(k, s)
            if len(self._snaps) + len(new) > self._capacity:
                self.clear()
                new = dict(zip(keys, snaps, strict=True))
            if new:
                self._extend(list(new), list(new.values()))
            idx = np.array([self._index[k] for k in keys], np.int64)
            return self._weights[np.ix_(idx, idx)]

    def _extend(self, keys: list[tuple[float, float]], new: list[Snap]) -> None:
        old = self._snaps
        every = old + new
        k, m = len(old), len(new)
        grown = np.empty((k + m, k + m))
        grown[:k, :k] = self._weights
        grown[k:, :] = self._search.search(new, every, workers=self._workers)
        grown[k:, :] = np.minimum(grown[k:, :], same_road_weights(self._search, new, every))
        if old:
            block = self._search.search(old, new, reverse=m <= k, workers=self._workers)
            grown[:k, k:] = np.minimum(block, same_road_weights(self._search, old, new))
        diagonal = np.arange(k, k + m)
        grown[diagonal, diagonal] = 0.0
        for offset, key in enumerate(keys):
            self._index[key] = k + offset
        self._snaps = every
        self._weights = grown
