"""Matrices and snapping on real OSM data, checked against networkx Dijkstra on the same graph."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from routing.geo import Location, haversine_m
from routing.network import RoadNetwork, load_network, route_geometry, travel_matrix
from routing.network.build import graph_from_file
from routing.settings import RoutingSettings

Graph = nx.MultiDiGraph


def node_points(graph: Graph, count: int, seed: int) -> tuple[list[int], list[tuple[float, float]]]:
    rng = np.random.default_rng(seed)
    nodes = [list(graph.nodes)[i] for i in rng.choice(graph.number_of_nodes(), count, replace=False)]
    return nodes, [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes]


def nx_fastest(graph: Graph, nodes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and metres of networkx's fastest paths between nodes (inf where unreachable)."""
    size = len(nodes)
    seconds, metres = np.full((size, size), np.inf), np.full((size, size), np.inf)
    simple = nx.DiGraph()
    for u, v, data in graph.edges(data=True):
        if u != v and (not simple.has_edge(u, v) or data["travel_time"] < simple[u][v]["travel_time"]):
            simple.add_edge(u, v, travel_time=data["travel_time"], length=data["length"])
    for i, source in enumerate(nodes):
        times, paths = nx.single_source_dijkstra(simple, source, weight="travel_time")
        for j, target in enumerate(nodes):
            if target in times:
                path = paths[target]
                seconds[i, j] = times[target]
                metres[i, j] = sum(simple[a][b]["length"] for a, b in itertools.pairwise(path))
    return seconds, metres


def assert_matches_networkx(matrix_s: np.ndarray, matrix_m: np.ndarray, graph: Graph, nodes: list[int]) -> None:
    seconds, metres = nx_fastest(graph, nodes)
    reachable = np.isfinite(seconds)
    assert np.array_equal(matrix_s < 0, ~reachable)
    assert np.abs(matrix_s[reachable] - seconds[reachable]).max() <= 1.0
    # Distance along the fastest path; equal-time alternatives may differ, so allow a rare few.
    close = np.abs(matrix_m[reachable] - metres[reachable]) <= 2.0
    assert close.mean() >= 0.99


def test_turin_matrix_equals_networkx_dijkstra(turin: tuple[Graph, RoadNetwork]) -> None:
    graph, net = turin
    nodes, points = node_points(graph, 24, seed=3)  # 24 sources: runs the 2-process pool
    m = travel_matrix(net, points)
    assert (m.snap_distance_m == 0).all()
    assert_matches_networkx(m.duration_s, m.distance_m, graph, nodes)
    assert (m.duration_s != m.duration_s.T).any()  # one-ways make it asymmetric
    assert (m.duration_s[~np.eye(24, dtype=bool)] > 0).all()


def test_turin_added_point_equals_full_computation(turin: tuple[Graph, RoadNetwork]) -> None:
    graph, net = turin
    _, points = node_points(graph, 30, seed=5)
    net.clear_matrix_cache()
    full = travel_matrix(net, points).duration_s
    net.clear_matrix_cache()
    travel_matrix(net, points[:29])
    grown = travel_matrix(net, points)
    assert np.array_equal(grown.duration_s, full)


def test_turin_mid_edge_snap_and_route(turin: tuple[Graph, RoadNetwork]) -> None:
    _graph, net = turin
    points = [(7.6801, 45.0702), (7.6502, 45.0498), (7.7003, 45.0901)]
    snaps = net.snap(points)
    for point, snap in zip(points, snaps, strict=True):
        assert haversine_m(Location(*point), snap.on_road) == pytest.approx(snap.distance_m, abs=0.3)
        assert snap.distance_m < 100
    route = route_geometry(net, points)
    matrix = travel_matrix(net, points)
    assert [leg.duration_s for leg in route.legs] == [matrix.duration_s[0, 1], matrix.duration_s[1, 2]]
    assert all(leg.streets for leg in route.legs)
    start, end = route.geometry["coordinates"][0], route.geometry["coordinates"][-1]
    assert start == pytest.approx([snaps[0].on_road.lon, snaps[0].on_road.lat])
    assert end == pytest.approx([snaps[2].on_road.lon, snaps[2].on_road.lat])


def test_turin_keeps_largest_strongly_connected_component(turin: tuple[Graph, RoadNetwork]) -> None:
    graph, net = turin
    assert net.node_count == 14_822 and nx.is_strongly_connected(graph)
    assert net.nbytes < 10_000_000


def test_milan_extract_one_ways_match_networkx(milan_path: Path, tmp_path: Path) -> None:
    settings = RoutingSettings(cache_dir=tmp_path, keep_largest_scc=False, workers=1)
    graph, report = graph_from_file(milan_path, settings)
    net = RoadNetwork.from_graph(graph, settings)
    assert report.dropped_node_share == 0 and net.node_count == graph.number_of_nodes() > 50
    highways = {str(d["highway"]) for *_, d in graph.edges(data=True)}
    assert highways <= {"residential", "unclassified", "tertiary", "service", "living_street"}
    nodes, points = node_points(graph, 15, seed=1)
    m = travel_matrix(net, points)
    assert_matches_networkx(m.duration_s, m.distance_m, graph, nodes)
    assert (m.duration_s < 0).any()  # central Milan one-ways: some pairs have no path inside the extract


def test_milan_extract_default_keeps_strong_component(milan_path: Path, tmp_path: Path) -> None:
    net = load_network(milan_path, RoutingSettings(cache_dir=tmp_path))
    assert net.report["dropped_node_share"] > 0.5  # a 0.5 km bbox of one-way streets
    assert net.node_count == net.report["nodes"]
