"""Benchmark of travel matrices (issue 3): our CSR/SciPy matrices vs networkx / OSMnx.

Run: ``python benchmarks/bench_matrix.py [--shared ../shared] [--sizes 100 500 1100]``.
Prints a Markdown table (pasted into ``benchmarks/README.md``) and writes
``benchmarks/results/bench_matrix.json``.

Graphs: a seeded synthetic road-like graph of ~10^5 nodes (perturbed grid near
Milan, arterials every 8th line, 12 % of links deleted, 30 % one-way) and the
real Turin drive network. Baselines: networkx ``single_source_dijkstra`` once
per point (measured on a sample of sources, × N) and ``osmnx.shortest_path``
per pair (measured on a sample of pairs, × N²).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routing.network.build import graph_from_file, prepare_graph  # noqa: E402
from routing.network.road_network import RoadNetwork  # noqa: E402
from routing.settings import RoutingSettings  # noqa: E402

SEED = 20261125
TURIN = "gis/roads/torino_drive_osm2018.graphml.gz"


def synthetic_graph(side: int = 317, seed: int = SEED) -> nx.MultiDiGraph:
    """A road-like grid of ``side²`` nodes around Milan (≈ 90 m blocks), seeded."""
    rng = np.random.default_rng(seed)
    step_lon, step_lat = 0.00115, 0.0008
    jitter = rng.uniform(-0.25, 0.25, size=(side, side, 2))
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for i in range(side):
        for j in range(side):
            x = 9.05 + (j + jitter[i, j, 0]) * step_lon
            y = 45.35 + (i + jitter[i, j, 1]) * step_lat
            graph.add_node(i * side + j, x=float(x), y=float(y))
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                a, b = i + di, j + dj
                if a >= side or b >= side or rng.random() < 0.12:
                    continue
                _add_link(
                    graph,
                    rng,
                    i * side + j,
                    a * side + b,
                    arterial=(i % 8 == 0 and di == 0) or (j % 8 == 0 and dj == 0),
                )
    return graph


def _add_link(graph: nx.MultiDiGraph, rng: np.random.Generator, u: int, v: int, arterial: bool) -> None:
    nu, nv = graph.nodes[u], graph.nodes[v]
    length = float(ox.distance.great_circle(nu["y"], nu["x"], nv["y"], nv["x"]))
    data = {"highway": "primary" if arterial else "residential", "length": length, "name": f"Via {u}"}
    oneway = (not arterial) and rng.random() < 0.30
    ends = [(u, v)] if not oneway else [(u, v) if rng.random() < 0.5 else (v, u)]
    if not oneway:
        ends.append((v, u))
    for a, b in ends:
        graph.add_edge(a, b, **data)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the search workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def random_points(net: RoadNetwork, count: int, seed: int) -> list[tuple[float, float]]:
    """Node positions moved by up to ~30 m, so points fall mid-edge like real bins."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(net.node_count, count, replace=False)
    lon = net.compact.node_lon[idx] + rng.uniform(-0.0003, 0.0003, count)
    lat = net.compact.node_lat[idx] + rng.uniform(-0.0002, 0.0002, count)
    return list(zip(lon.tolist(), lat.tolist(), strict=True))


def baselines(graph: nx.MultiDiGraph, sample: int = 12) -> dict[str, float]:
    """Seconds per source (networkx SSSP) and per pair (osmnx.shortest_path), on samples."""
    rng = np.random.default_rng(SEED)
    nodes = list(graph.nodes)
    sources = [nodes[i] for i in rng.choice(len(nodes), sample, replace=False)]
    start = time.perf_counter()
    for s in sources:
        nx.single_source_dijkstra_path_length(graph, s, weight="travel_time")
    per_source = (time.perf_counter() - start) / sample
    pairs = [(nodes[a], nodes[b]) for a, b in rng.choice(len(nodes), (3 * sample, 2))]
    start = time.perf_counter()
    for u, v in pairs:
        ox.routing.shortest_path(graph, u, v, weight="travel_time")
    per_pair = (time.perf_counter() - start) / len(pairs)
    return {"nx_per_source_s": per_source, "ox_per_pair_s": per_pair}


def matrix_rows(name: str, net: RoadNetwork, sizes: list[int], base: dict[str, float]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        net.clear_matrix_cache()
        points = random_points(net, n + 1, seed=n)
        cpu = cpu_seconds()
        cold, _ = timed(net.matrix, points[:n])
        cpu = cpu_seconds() - cpu
        warm, _ = timed(net.matrix, points[:n])
        added, _ = timed(net.matrix, points)
        nx_s, ox_s = base["nx_per_source_s"] * n, base["ox_per_pair_s"] * n * n
        rows.append(
            {
                "graph": name,
                "N": n,
                "cold_s": cold,
                "cold_cpu_s": cpu,
                "warm_s": warm,
                "add_one_s": added,
                "nx_sssp_s": nx_s,
                "ox_pairs_s": ox_s,
                "x_nx": nx_s / cold,
                "x_ox": ox_s / cold,
            }
        )
    return rows


def memory_child(kind: str, path: str) -> None:
    """In a fresh process: RSS growth of loading one representation (printed as JSON)."""
    gc.collect()
    before = rss_mb()
    if kind == "compact":
        net = RoadNetwork.load(Path(path))
        net.snap([(float(net.compact.node_lon[0]), float(net.compact.node_lat[0]))])
        net._search  # noqa: B018 - build the CSR used by searches
        keep: Any = net
    elif kind == "graphml":
        keep = ox.io.load_graphml(path)
    else:
        keep = synthetic_graph()
    gc.collect()
    print(json.dumps({"rss_mb": rss_mb() - before, "kind": kind, "alive": keep is not None}))


def measure_memory(kind: str, path: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--memory", kind, path], check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["rss_mb"])


def network_rows(
    name: str, graph: nx.MultiDiGraph, settings: RoutingSettings, sizes: list[int], memory: tuple[str, str], tmp: Path
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    compact_s, net = timed(RoadNetwork.from_graph, graph, settings, {"source": name})
    cache = tmp / f"{name}.npz"
    net.save(cache)
    load_s, net = timed(RoadNetwork.load, cache, settings)
    index_s, _ = timed(net.snap, random_points(net, 1, seed=1))
    base = baselines(graph)
    info = {
        "graph": name,
        "nodes": net.node_count,
        "edges": net.edge_count,
        "compact_build_s": compact_s,
        "cache_load_s": load_s,
        "snap_index_s": index_s,
        "arrays_mb": net.nbytes / 1e6,
        "cache_file_mb": cache.stat().st_size / 1e6,
        **base,
    }
    rows = matrix_rows(name, net, sizes, base)
    info["rss_compact_mb"] = measure_memory("compact", str(cache))
    info["rss_networkx_mb"] = measure_memory(*memory)
    return rows, info


def markdown(rows: list[dict[str, Any]], infos: list[dict[str, Any]]) -> str:
    lines = [
        "| graph | N | ours cold (s) | cold CPU, both cores (s) | ours warm (s) | +1 point (s) | networkx SSSP × N (s) | osmnx per pair × N² (s) | cold vs SSSP | cold vs per pair |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['graph']} | {r['N']} | {r['cold_s']:.2f} | {r['cold_cpu_s']:.1f} | {r['warm_s']:.3f} | {r['add_one_s']:.3f} | "
            f"{r['nx_sssp_s']:.1f} | {r['ox_pairs_s']:.0f} | {r['x_nx']:.1f}× | {r['x_ox']:.0f}× |"
        )
    lines += [
        "",
        "| graph | nodes | edges | arrays (MB) | RSS compact+indexes (MB) | RSS networkx graph (MB) | cache file (MB) | cache load (s) | snap index build (s) | compaction (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i in infos:
        lines.append(
            f"| {i['graph']} | {i['nodes']:,} | {i['edges']:,} | {i['arrays_mb']:.1f} | {i['rss_compact_mb']:.0f} | "
            f"{i['rss_networkx_mb']:.0f} | {i['cache_file_mb']:.1f} | {i['cache_load_s']:.3f} | {i['snap_index_s']:.2f} | {i['compact_build_s']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("FITMI_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1100])
    parser.add_argument("--memory", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        memory_child(*args.memory)
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = RoutingSettings(cache_dir=Path(tmp), workers=2)
        rows, infos = [], []
        synthetic, report = prepare_graph(synthetic_graph(), settings, "synthetic")
        print(f"synthetic: {report}", file=sys.stderr)
        r, i = network_rows("synthetic 10^5", synthetic, settings, args.sizes, ("synthetic", ""), Path(tmp))
        rows += r
        infos.append(i)
        del synthetic
        turin_path = args.shared / TURIN
        turin, _ = graph_from_file(turin_path, settings)
        memory = ("graphml", str(_gunzip(turin_path, Path(tmp))))
        r, i = network_rows("Turin", turin, settings, args.sizes, memory, Path(tmp))
        rows += r
        infos.append(i)
    table = markdown(rows, infos)
    print(table)
    print(f"total benchmark time {time.perf_counter() - started:.0f} s", file=sys.stderr)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_matrix.json").write_text(json.dumps({"rows": rows, "graphs": infos}, indent=1))


def _gunzip(path: Path, tmp: Path) -> Path:
    target = tmp / "turin.graphml"
    target.write_bytes(gzip.decompress(path.read_bytes()))
    return target


if __name__ == "__main__":
    main()
