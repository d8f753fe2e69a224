"""Multi-source Dijkstra on the CSR arrays with SciPy, from points in mid-edge.

One search gives both the travel time and the distance of the fastest path:
edge weights are ``time_ms * 2**27 + length_dm``, exact integers in float64
while a path stays below 2**53 (about 18 hours of driving), so the fastest
path is found (ties broken by length) and both parts are decoded from the sum.

A snapped point sits at a fraction ``f`` of edge ``u→v``: it is added as a
virtual node with an edge to ``v`` costing ``(1-f)`` of the edge, and to ``u``
through the reverse twin of a two-way road. Targets are reached from ``u``
(cost ``f`` of the edge) or, on a two-way road, from ``v``. Searches run in
chunks on a pool of forked processes (SciPy holds the GIL), one per core.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from routing.errors import RoutingError
from routing.network.compact import CompactGraph
from routing.network.snapping import Snap, snap_array

SHIFT = float(2**27)
EXACT_LIMIT = float(2**53)
_Arr = npt.NDArray[np.float64]
_Idx = npt.NDArray[np.int64]
#: Sources searched in-process below this count (a pool costs ~50 ms to start).
POOL_MIN_SOURCES = 16
#: Float cells of one chunk's distance block (32 MB).
CHUNK_CELLS = 4_000_000
#: A point closer than this (dm) to a node of a one-way edge also stands on that node.
AT_NODE_DM = 5

_JOB: tuple[sparse.csr_matrix, _Idx, _Arr] | None = None
_JOB_LOCK = threading.Lock()


def _run_chunk(rows: _Idx) -> _Arr:
    """Distances from virtual nodes ``rows`` to the evaluation anchors (min over 2 anchors)."""
    assert _JOB is not None
    graph, eval_nodes, eval_offs = _JOB
    dist = dijkstra(graph, directed=True, indices=rows)
    result: _Arr = np.min(dist[:, eval_nodes] + eval_offs[None, :, :], axis=2)
    return result


class SearchGraph:
    """Forward and backward CSR matrices of a :class:`CompactGraph` for SciPy.

    Parallel edges are reduced to the cheapest; ``entry_edge[j]`` is the
    compact edge behind CSR entry ``j`` (for path reconstruction).
    """

    def __init__(self, graph: CompactGraph) -> None:
        self.graph = graph
        n = graph.n_nodes
        self.tail = graph.tail
        tail = self.tail.astype(np.int64)
        head = graph.head.astype(np.int64)
        weight = np.maximum(graph.time_ms.astype(np.float64) * SHIFT + graph.length_dm, 1.0)
        edges = np.flatnonzero(tail != head)
        key = tail[edges] * n + head[edges]
        order = np.lexsort((weight[edges], key))
        first = np.r_[True, key[order][1:] != key[order][:-1]]
        chosen = edges[order][first]
        self.entry_edge = chosen.astype(np.int32)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(tail[chosen], minlength=n))])
        self.forward = sparse.csr_matrix((weight[chosen], head[chosen].astype(np.int32), indptr), shape=(n, n))
        self.backward = self.forward.T.tocsr()

    def offset(self, edges: _Idx, fractions: _Arr) -> _Arr:
        """Combined weight of the given fractions of edges (rounded parts)."""
        t = np.rint(self.graph.time_ms[edges] * fractions)
        d = np.rint(self.graph.length_dm[edges] * fractions)
        return t * SHIFT + d

    def anchors(self, snaps: Sequence[Snap], outgoing: bool) -> tuple[_Idx, _Arr]:
        """``(k, 2)`` nodes and offsets to leave (``outgoing``) or reach each snapped point.

        Column 0 is along the snapped edge, column 1 along its twin; on a one-way
        edge column 1 is the edge's far node when the point stands on it
        (offset 0), else unused (offset ``inf``).
        """
        edge, twin, frac = snap_array(snaps)
        has_twin = twin >= 0
        safe_twin = np.where(has_twin, twin, edge)
        head, tail = self.graph.head, self.tail
        if outgoing:
            nodes = np.column_stack([head[edge], head[safe_twin]])
            offs = np.column_stack([self.offset(edge, 1 - frac), self.offset(safe_twin, frac)])
            at_node = frac * self.graph.length_dm[edge] < AT_NODE_DM  # a one-way's tail node
            nodes[:, 1] = np.where(has_twin, nodes[:, 1], tail[edge])
        else:
            nodes = np.column_stack([tail[edge], tail[safe_twin]])
            offs = np.column_stack([self.offset(edge, frac), self.offset(safe_twin, 1 - frac)])
            at_node = (1 - frac) * self.graph.length_dm[edge] < AT_NODE_DM  # a one-way's head node
            nodes[:, 1] = np.where(has_twin, nodes[:, 1], head[edge])
        offs[~has_twin, 1] = np.where(at_node[~has_twin], 0.0, np.inf)
        return nodes.astype(np.int64), offs

    def augmented(self, reverse: bool, nodes: _Idx, offs: _Arr) -> sparse.csr_matrix:
        """The graph plus one virtual source node per row of ``nodes``/``offs``."""
        base = self.backward if reverse else self.forward
        n, k = base.shape[0], nodes.shape[0]
        valid = np.isfinite(offs)
        counts = valid.sum(axis=1)
        indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
        indices = np.concatenate([base.indices, nodes[valid]]).astype(np.int32)
        data = np.concatenate([base.data, offs[valid]])
        return sparse.csr_matrix((data, indices, indptr), shape=(n + k, n + k))

    def search(self, sources: Sequence[Snap], targets: Sequence[Snap], reverse: bool = False, workers: int = 1) -> _Arr:
        """Combined weights ``[i, j]`` from ``sources[i]`` to ``targets[j]``.

        With ``reverse`` the search runs on the transposed graph from the
        *targets* and the result is still indexed ``[source, target]``.
        """
        if not sources or not targets:
            return np.zeros((len(sources), len(targets)))
        start, finish = (targets, sources) if reverse else (sources, targets)
        nodes, offs = self.anchors(start, outgoing=not reverse)
        eval_nodes, eval_offs = self.anchors(finish, outgoing=reverse)
        graph = self.augmented(reverse, nodes, offs)
        rows = np.arange(self.graph.n_nodes, self.graph.n_nodes + len(start))
        result = _run_all(graph, rows, eval_nodes, eval_offs, workers)
        return result.T if reverse else result

    def tree(self, source: Snap) -> tuple[_Arr, npt.NDArray[np.int32]]:
        """Distances and predecessors of a forward search from one snapped point."""
        nodes, offs = self.anchors([source], outgoing=True)
        graph = self.augmented(False, nodes, offs)
        dist, pred = dijkstra(graph, directed=True, indices=self.graph.n_nodes, return_predecessors=True)
        return dist, pred


def _run_all(graph: sparse.csr_matrix, rows: _Idx, eval_nodes: _Idx, eval_offs: _Arr, workers: int) -> _Arr:
    global _JOB
    # small chunks (4 per worker at least) keep both processes busy until the end
    chunk = max(1, min(CHUNK_CELLS // graph.shape[0], -(-len(rows) // (4 * max(workers, 1)))))
    chunks = [rows[i : i + chunk] for i in range(0, len(rows), chunk)]
    with _JOB_LOCK:
        _JOB = (graph, eval_nodes, eval_offs)
        try:
            return np.vstack(_map_chunks(chunks, workers))
        finally:
            _JOB = None


def _map_chunks(chunks: list[_Idx], workers: int) -> list[_Arr]:
    if (
        workers <= 1
        or sum(len(c) for c in chunks) < POOL_MIN_SOURCES
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [_run_chunk(c) for c in chunks]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_run_chunk, chunks))


def decode(weights: _Arr) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Split combined weights into whole seconds and metres (-1 where unreachable).

    Raises
    ------
    RoutingError
        If a path is too long for exact arithmetic (over ~18 hours).
    """
    finite = np.isfinite(weights)
    w = np.where(finite, weights, 0.0)
    if w.size and w.max() >= EXACT_LIMIT:
        raise RoutingError("a path is longer than ~18 hours of driving; travel times would be inexact")
    t_ms = np.floor(w / SHIFT)
    d_dm = w - t_ms * SHIFT
    seconds = np.where(finite, np.rint(t_ms / 1000), -1).astype(np.int64)
    metres = np.where(finite, np.rint(d_dm / 10), -1).astype(np.int64)
    return seconds, metres
