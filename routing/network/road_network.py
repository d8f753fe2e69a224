"""The :class:`RoadNetwork` object: compact arrays plus snapping, matrices and paths."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from routing.geo import Location
from routing.network.compact import (
    CompactGraph,
    compact_from_graph,
    load_arrays,
    load_compact,
    save_arrays,
    save_compact,
)
from routing.network.matrix import MatrixCache
from routing.network.paths import network_route
from routing.network.results import RouteGeometry, TravelMatrix
from routing.network.search import SearchGraph
from routing.network.snapping import PointLike, Snap, SnapIndex, as_locations
from routing.settings import RoutingSettings


class RoadNetwork:
    """A drivable road network held as compact arrays (no networkx graph).

    Build one with :func:`routing.load_network` (local file) or
    :func:`routing.build_network` (OSMnx download). Thread-safe for queries.

    Parameters
    ----------
    compact
        The arrays.
    settings
        Snap threshold, worker count, matrix-cache size.
    """

    #: A real road network (see :mod:`routing.network.approximate` for the other mode).
    approximate = False

    def __init__(self, compact: CompactGraph, settings: RoutingSettings | None = None) -> None:
        self.compact = compact
        self.settings = settings or RoutingSettings()

    @classmethod
    def from_graph(
        cls, graph: nx.MultiDiGraph, settings: RoutingSettings | None = None, meta: dict[str, Any] | None = None
    ) -> RoadNetwork:
        """Compact a graph prepared by :func:`routing.network.build.prepare_graph`."""
        return cls(compact_from_graph(graph, meta or {}), settings)

    @classmethod
    def load(cls, path: Path, settings: RoutingSettings | None = None) -> RoadNetwork:
        """Read a compact network file written by :meth:`save`."""
        return cls(load_compact(Path(path)), settings)

    def save(self, path: Path) -> None:
        """Write the compact form to ``path`` atomically."""
        save_compact(self.compact, Path(path))

    @property
    def content_hash(self) -> str:
        """SHA-256 of the network arrays: identifies the network in caches."""
        return str(self.compact.meta["content_hash"])

    @property
    def report(self) -> dict[str, Any]:
        """Build report: source, nodes, edges, dropped share of the largest SCC..."""
        return dict(self.compact.meta.get("report", {}))

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return self.compact.n_nodes

    @property
    def edge_count(self) -> int:
        """Number of directed edges."""
        return self.compact.n_edges

    @property
    def nbytes(self) -> int:
        """Memory of the network arrays in bytes (indexes built on demand excluded)."""
        return self.compact.nbytes

    @cached_property
    def _snap_index(self) -> SnapIndex:
        return SnapIndex(self.compact)

    @cached_property
    def _search(self) -> SearchGraph:
        return SearchGraph(self.compact)

    @cached_property
    def _matrix_cache(self) -> MatrixCache:
        s = self.settings

        def snap(locations: Sequence[Location], positions: Sequence[int]) -> list[Snap]:
            return self._snap_index.snap(locations, s.snap_threshold_m, positions)

        return MatrixCache(self._search, snap, s.matrix_cache_points, s.point_key_decimals, s.workers)

    def snap(self, locations: Sequence[PointLike], threshold_m: float | None = None) -> list[Snap]:
        """Place points on their nearest drivable edge.

        Parameters
        ----------
        locations
            :class:`~routing.geo.Location` objects or ``(lon, lat)`` pairs.
        threshold_m
            Refuse points farther than this (default ``settings.snap_threshold_m``).

        Raises
        ------
        SnapError
            Naming the first point that is too far from every road.
        """
        limit = self.settings.snap_threshold_m if threshold_m is None else threshold_m
        return self._snap_index.snap(locations, limit)

    def matrix(self, locations: Sequence[PointLike]) -> TravelMatrix:
        """Travel-time and distance matrix between points (see :func:`routing.travel_matrix`)."""
        points = as_locations(locations)
        seconds, metres, snaps = self._matrix_cache.lookup(points)
        return TravelMatrix(
            duration_s=seconds,
            distance_m=metres,
            approximate=False,
            snap_distance_m=np.rint([s.distance_m for s in snaps]).astype(np.int64),
            locations=tuple(points),
        )

    def path(self, locations: Sequence[PointLike]) -> RouteGeometry:
        """Road path through the stops in order (see :func:`routing.route_geometry`)."""
        return network_route(self._search, self.snap(locations))

    def matrix_cache_path(self) -> Path:
        """Default file of the persisted matrix cache (per network and snap threshold)."""
        threshold = round(self.settings.snap_threshold_m)
        return Path(self.settings.cache_dir) / f"matrix-{self.content_hash[:20]}-{threshold}m.npz"

    def save_matrix_cache(self, path: Path | None = None) -> None:
        """Write the matrix cache (snaps, seconds, metres) atomically, so other processes reuse it."""
        save_arrays(
            self._matrix_cache.to_arrays(), {"content_hash": self.content_hash}, path or self.matrix_cache_path()
        )

    def load_matrix_cache(self, path: Path | None = None) -> bool:
        """Load a matrix cache saved for this network; ``False`` if there is none for it.

        Raises
        ------
        NetworkFileError
            If the file exists but is unreadable.
        """
        path = path or self.matrix_cache_path()
        if not path.is_file():
            return False
        arrays, meta = load_arrays(path, ("key", "location", "on_road", "edge", "fraction", "seconds", "metres"))
        if meta.get("content_hash") != self.content_hash:
            return False
        self._matrix_cache.from_arrays(arrays)
        return True

    def clear_matrix_cache(self) -> None:
        """Forget the cached matrix rows."""
        self._matrix_cache.clear()

    def __repr__(self) -> str:
        return f"RoadNetwork({self.node_count} nodes, {self.edge_count} edges, {self.content_hash[:12]})"
