"""Many-to-many travel matrices between snapped points, with a reusable cache.

The cache keeps the snap of every point it has seen on one network and the
travel times and distances between every pair of them, keyed by the point
rounded to ``RoutingSettings.point_key_decimals``. A request over known points
is a lookup; each new point costs one forward search (its row) and one
backward search (its column), or forward searches from the known points when
there are fewer of them than new ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.geo import Location
from routing.network.search import SearchGraph, decode
from routing.network.snapping import Snap

_Arr = npt.NDArray[np.float64]
_IntArr = npt.NDArray[np.int64]
#: ``snap(locations, positions)``: snaps points, naming them by ``positions`` in errors.
SnapFunction = Callable[[Sequence[Location], Sequence[int]], list[Snap]]


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
    """Travel times and distances between all points seen so far on one network.

    Parameters
    ----------
    search
        The network's search graph.
    snap
        Snaps points, naming them by the given positions in errors.
    capacity
        Most points kept; beyond it the cache is emptied and refilled.
    decimals
        Rounding of lon/lat in the cache key.
    workers
        Processes used for searches.
    """

    def __init__(self, search: SearchGraph, snap: SnapFunction, capacity: int, decimals: int, workers: int) -> None:
        self._search = search
        self._snap = snap
        self._capacity = capacity
        self._decimals = decimals
        self._workers = workers
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Forget every point."""
        self._index: dict[tuple[float, float], int] = {}
        self._snaps: list[Snap] = []
        self._seconds: _IntArr = np.zeros((0, 0), np.int64)
        self._metres: _IntArr = np.zeros((0, 0), np.int64)

    def __len__(self) -> int:
        return len(self._snaps)

    def key(self, location: Location) -> tuple[float, float]:
        """Cache key of a point."""
        return (round(location.lon, self._decimals), round(location.lat, self._decimals))

    def lookup(self, locations: Sequence[Location]) -> tuple[_IntArr, _IntArr, list[Snap]]:
        """Seconds and metres ``[i, j]`` between the points, and their snaps.

        Only points not seen before are snapped and searched.
        """
        with self._lock:
            keys = [self.key(p) for p in locations]
            missing: dict[tuple[float, float], int] = {}
            for position, k in enumerate(keys):
                if k not in self._index:
                    missing.setdefault(k, position)
            if len(self._snaps) + len(missing) > self._capacity:
                self.clear()
                missing = {}
                for position, k in enumerate(keys):
                    missing.setdefault(k, position)
            if missing:
                positions = list(missing.values())
                self._extend(list(missing), self._snap([locations[i] for i in positions], positions))
            idx = np.array([self._index[k] for k in keys], np.int64)
            block = np.ix_(idx, idx)
            return self._seconds[block], self._metres[block], [self._snaps[i] for i in idx]

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The cache as arrays (for :func:`routing.network.compact.save_arrays`)."""
        with self._lock:
            k = len(self._snaps)
            snaps = self._snaps
            return {
                "key": np.array(list(self._index), np.float64).reshape(-1, 2),
                "location": np.array([(s.location.lon, s.location.lat) for s in snaps], np.float64).reshape(-1, 2),
                "on_road": np.array([(s.on_road.lon, s.on_road.lat) for s in snaps], np.float64).reshape(-1, 2),
                "edge": np.array([(s.edge, s.twin) for s in snaps], np.int64).reshape(-1, 2),
                "fraction": np.array([(s.fraction, s.distance_m) for s in snaps], np.float64).reshape(-1, 2),
                "seconds": self._seconds[:k, :k],
                "metres": self._metres[:k, :k],
            }

    def from_arrays(self, arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        """Replace the cache by one made with :meth:`to_arrays` on the same network."""
        with self._lock:
            self.clear()
            loc, road, edge, frac = arrays["location"], arrays["on_road"], arrays["edge"], arrays["fraction"]
            self._snaps = [
                Snap(Location(*loc[i]), int(edge[i, 0]), int(edge[i, 1]), frac[i, 0], frac[i, 1], Location(*road[i]))
                for i in range(len(loc))
            ]
            self._index = {(float(lon), float(lat)): i for i, (lon, lat) in enumerate(arrays["key"])}
            self._seconds = np.array(arrays["seconds"], np.int64)
            self._metres = np.array(arrays["metres"], np.int64)

    def _grow(self, size: int) -> None:
        """Make room for ``size`` points, with 25 % headroom so added points rarely copy."""
        if size <= self._seconds.shape[0]:
            return
        capacity = min(size + max(64, size // 4), max(self._capacity, size))
        k = len(self._snaps)
        for name in ("_seconds", "_metres"):
            bigger = np.empty((capacity, capacity), np.int64)
            bigger[:k, :k] = getattr(self, name)[:k, :k]
            setattr(self, name, bigger)

    def _store(self, rows: slice, cols: slice, weights: _Arr) -> None:
        self._seconds[rows, cols], self._metres[rows, cols] = decode(weights)

    def _extend(self, keys: list[tuple[float, float]], new: list[Snap]) -> None:
        old = self._snaps
        every = old + new
        k, size = len(old), len(old) + len(new)
        self._grow(size)
        forward = self._search.search(new, every, workers=self._workers)
        self._store(slice(k, size), slice(0, size), np.minimum(forward, same_road_weights(self._search, new, every)))
        if old:
            block = self._search.search(old, new, reverse=len(new) <= k, workers=self._workers)
            self._store(slice(0, k), slice(k, size), np.minimum(block, same_road_weights(self._search, old, new)))
        diagonal = np.arange(k, size)
        self._seconds[diagonal, diagonal] = 0
        self._metres[diagonal, diagonal] = 0
        for offset, key in enumerate(keys):
            self._index[key] = k + offset
        self._snaps = every
