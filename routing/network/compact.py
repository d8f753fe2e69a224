"""The compact, array-only form of a road network and its cache file.

A :class:`CompactGraph` holds everything the serving process needs (CSR
adjacency, integer travel times and lengths, node coordinates, street names,
edge geometries) in a handful of numpy arrays, so the networkx graph can be
discarded. It is saved to one uncompressed ``.npz`` file, written atomically.

Units: edge travel times are stored in integer **milliseconds** and lengths in
integer **decimetres**: rounding every edge to whole seconds or metres would
add up along a path (a 100-edge path could be 50 s off). Outputs of the
library are rounded to whole seconds and metres.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from routing.errors import NetworkFileError
from routing.network.tags import first_name

FORMAT_VERSION = 1
_Int = npt.NDArray[np.int32]
_Float = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CompactGraph:
    """A directed road network as flat arrays (``n`` nodes, ``m`` edges, ``g`` geometries).

    Attributes
    ----------
    node_lon, node_lat
        ``float64[n]`` WGS84 coordinates.
    indptr, head
        CSR adjacency: the edges leaving node ``i`` are ``indptr[i]:indptr[i+1]``,
        ``head[e]`` is where edge ``e`` arrives (``int64[n+1]``, ``int32[m]``).
    time_ms, length_dm
        ``int32[m]`` travel time (ms) and length (dm) of every edge.
    name_id
        ``int32[m]`` index into ``names`` (``names[0] == ""``: unnamed).
    geom_id
        ``int32[m]`` geometry of the edge; ``geom_reversed[e]`` tells whether the
        edge runs against the stored vertex order (the twin of a two-way road).
    geom_offsets, geom_coords
        Vertices of geometry ``k`` are ``geom_coords[geom_offsets[k]:geom_offsets[k+1]]``
        as (lon, lat).
    geom_edges
        ``int32[g, 2]``: the edge along the stored direction and its reverse twin (or -1).
    names
        Street names.
    meta
        ``source``, ``content_hash`` and the build report.
    """

    node_lon: _Float
    node_lat: _Float
    indptr: npt.NDArray[np.int64]
    head: _Int
    time_ms: _Int
    length_dm: _Int
    name_id: _Int
    geom_id: _Int
    geom_reversed: npt.NDArray[np.bool_]
    geom_offsets: npt.NDArray[np.int64]
    geom_coords: _Float
    geom_edges: _Int
    names: npt.NDArray[np.str_]
    meta: dict[str, Any]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_lon.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.head.shape[0])

    @property
    def tail(self) -> _Int:
        """``int32[m]``: the node each edge leaves from."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return sum(int(getattr(self, f.name).nbytes) for f in fields(self) if f.name != "meta")

    def geometry(self, edge: int) -> _Float:
        """``(k, 2)`` lon/lat vertices of ``edge`` in its driving direction."""
        g = int(self.geom_id[edge])
        coords = self.geom_coords[self.geom_offsets[g] : self.geom_offsets[g + 1]]
        return coords[::-1] if self.geom_reversed[edge] else coords


class _GeometryTable:
    """Collects edge geometries, sharing one between the two directions of a road."""

    def __init__(self) -> None:
        self.coords: list[tuple[float, float]] = []
        self.offsets: list[int] = [0]
        self.edges: list[list[int]] = []
        self._waiting: dict[tuple[int, int, tuple[float, ...]], int] = {}

    def add(self, edge: int, u: int, v: int, coords: list[tuple[float, float]]) -> tuple[int, bool]:
        flat = tuple(round(c, 7) for xy in coords for c in xy)
        key = (u, v, flat)
        twin = self._waiting.pop(key, None)
        if twin is not None:
            self.edges[twin][1] = edge
            return twin, True
        g = len(self.edges)
        self.edges.append([edge, -1])
        self.coords.extend(coords)
        self.offsets.append(len(self.coords))
        reverse = tuple(c for xy in reversed(coords) for c in (round(xy[0], 7), round(xy[1], 7)))
        self._waiting.setdefault((v, u, reverse), g)
        return g, False


def _edge_coords(graph: nx.MultiDiGraph, u: Any, v: Any, data: dict[str, Any]) -> list[tuple[float, float]]:
    geometry = data.get("geometry")
    if geometry is not None:
        return [(float(x), float(y)) for x, y in geometry.coords]
    return [
        (float(graph.nodes[u]["x"]), float(graph.nodes[u]["y"])),
        (float(graph.nodes[v]["x"]), float(graph.nodes[v]["y"])),
    ]


def compact_from_graph(graph: nx.MultiDiGraph, meta: dict[str, Any]) -> CompactGraph:
    """Turn a prepared graph (``travel_time`` in s, ``length`` in m) into arrays.

    Parameters
    ----------
    graph
        Output of :func:`routing.network.build.prepare_graph`.
    meta
        Source description and build report, stored with the arrays; a
        ``content_hash`` of the arrays is added.
    """
    index = {node: i for i, node in enumerate(graph.nodes)}
    edges = sorted(graph.edges(keys=True, data=True), key=lambda e: index[e[0]])
    names: dict[str, int] = {"": 0}
    table = _GeometryTable()
    m = len(edges)
    name_id, geom_id = np.zeros(m, np.int32), np.zeros(m, np.int32)
    reversed_ = np.zeros(m, np.bool_)
    for e, (u, v, _, data) in enumerate(edges):
        name_id[e] = names.setdefault(first_name(data.get("name")), len(names))
        geom_id[e], reversed_[e] = table.add(e, index[u], index[v], _edge_coords(graph, u, v, data))
    tails = np.array([index[u] for u, _, _, _ in edges], np.int64)
    arrays: dict[str, Any] = {
        "node_lon": np.array([graph.nodes[n]["x"] for n in graph.nodes], np.float64),
        "node_lat": np.array([graph.nodes[n]["y"] for n in graph.nodes], np.float64),
        "indptr": np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=len(index)))]).astype(np.int64),
        "head": np.array([index[v] for _, v, _, _ in edges], np.int32),
        "time_ms": np.array([round(d["travel_time"] * 1000) for *_, d in edges], np.int32),
        "length_dm": np.array([round(d["length"] * 10) for *_, d in edges], np.int32),
        "name_id": name_id,
        "geom_id": geom_id,
        "geom_reversed": reversed_,
        "geom_offsets": np.array(table.offsets, np.int64),
        "geom_coords": np.array(table.coords, np.float64).reshape(-1, 2),
        "geom_edges": np.array(table.edges, np.int32).reshape(-1, 2),
        "names": np.array(list(names), dtype=np.str_),
    }
    meta = {**meta, "content_hash": hash_arrays(arrays), "format_version": FORMAT_VERSION}
    return CompactGraph(**arrays, meta=meta)


def hash_arrays(arrays: dict[str, Any]) -> str:
    """SHA-256 of the arrays' bytes, in a fixed key order."""
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    return digest.hexdigest()


def hash_file(path: Path, extra: str = "") -> str:
    """SHA-256 of a file's bytes followed by ``extra`` (e.g. the build settings)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(f"|v{FORMAT_VERSION}|{extra}".encode())
    return digest.hexdigest()


def save_arrays(arrays: dict[str, Any], meta: dict[str, Any], path: Path) -> None:
    """Write arrays and JSON metadata to an ``.npz`` file atomically (temporary file, then ``os.replace``).

    A failure part-way leaves no file at ``path`` and no temporary file behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays, meta=np.array(json.dumps(meta)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def load_arrays(path: Path, names: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read the named arrays and the metadata of a file written by :func:`save_arrays`.

    Raises
    ------
    NetworkFileError
        Naming the file, if it is unreadable or incomplete.
    """
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            return {name: data[name] for name in names}, json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError, EOFError, TypeError, zipfile.BadZipFile) as exc:
        raise NetworkFileError(f"{path}: not a complete routing cache file ({type(exc).__name__}: {exc})") from exc


def save_compact(compact: CompactGraph, path: Path) -> None:
    """Write ``compact`` to ``path`` atomically (see :func:`save_arrays`)."""
    arrays = {f.name: getattr(compact, f.name) for f in fields(compact) if f.name != "meta"}
    save_arrays(arrays, compact.meta, path)


def load_compact(path: Path) -> CompactGraph:
    """Read a file written by :func:`save_compact`.

    Raises
    ------
    NetworkFileError
        Naming the file, if it is not a complete compact network of this version.
    """
    names = [f.name for f in fields(CompactGraph) if f.name != "meta"]
    arrays, meta = load_arrays(path, names)
    if meta.get("format_version") != FORMAT_VERSION:
        raise NetworkFileError(f"{path}: compact network format {meta.get('format_version')!r} unsupported")
    return CompactGraph(**arrays, meta=meta)
