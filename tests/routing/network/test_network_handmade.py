"""Snapping, one-ways, mid-edge matrices and paths on a hand-made square with known answers."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from network_testdata import SQUARE, edge_length

from routing.errors import InvalidInputError, RoutingError, SnapError
from routing.geo import Location, haversine_m
from routing.network import RoadNetwork, route_geometry, travel_matrix
from routing.settings import RoutingSettings

Square = tuple[nx.MultiDiGraph, RoadNetwork]
METRES_PER_DEG_LAT = math.pi * 6_371_008.8 / 180


def north_of(lon: float, lat: float, metres: float) -> Location:
    return Location(lon, lat + metres / METRES_PER_DEG_LAT)


def test_snap_to_edge_middle_gives_distance_and_fraction(square: Square) -> None:
    _, net = square
    point = north_of(9.1905, 45.460, -20.0)  # 20 m south of the middle of 1→2
    (snap,) = net.snap([point])
    assert snap.fraction == pytest.approx(0.5, abs=1e-3)
    assert snap.distance_m == pytest.approx(20.0, abs=0.1)
    assert haversine_m(point, snap.on_road) == pytest.approx(20.0, abs=0.1)
    assert snap.twin == -1  # 1→2 is one-way


def test_snap_threshold_refuses_far_point_naming_it(square: Square) -> None:
    _, net = square
    far = north_of(9.1905, 45.460, -300.0)
    with pytest.raises(SnapError, match=r"point 1 \(lon 9\.190500, lat 45\.45730\d\) is 300 m"):
        net.snap([Location(9.1905, 45.460), far])
    assert net.snap([far], threshold_m=400.0)[0].distance_m == pytest.approx(300.0, abs=0.5)


@pytest.mark.parametrize("bad", [(float("nan"), 45.46), (9.19, float("inf")), ("x", 45.0), (9.19,)])
def test_bad_coordinates_refused_naming_the_point(square: Square, bad: tuple[object, ...]) -> None:
    _, net = square
    with pytest.raises(InvalidInputError, match=r"locations\[1\]") as info:
        net.snap([(9.19, 45.46), bad])  # type: ignore[list-item]
    assert isinstance(info.value, RoutingError)


def test_one_way_honoured_between_nodes(square: Square) -> None:
    graph, net = square
    m = travel_matrix(net, [SQUARE[1], SQUARE[2]])
    l12 = edge_length(graph, 1, 2)
    around = edge_length(graph, 2, 3) + edge_length(graph, 3, 4) + edge_length(graph, 4, 1)
    assert m.duration_s[0, 1] == round(l12 / 10)
    assert m.duration_s[1, 0] == round(around / 10)
    assert m.distance_m[1, 0] == round(around)
    assert not m.approximate and m.duration_s.dtype == np.int64


def test_mid_edge_points_count_partial_edges(square: Square) -> None:
    graph, net = square
    p = Location(9.1905, 45.460)  # middle of one-way 1→2
    q = Location(9.1905, 45.461)  # middle of two-way 3–4
    m = travel_matrix(net, [p, q])
    l12, l23, l34, l41 = (edge_length(graph, a, b) for a, b in [(1, 2), (2, 3), (3, 4), (4, 1)])
    assert m.distance_m[0, 1] == round(l12 / 2 + l23 + l34 / 2)
    assert m.distance_m[1, 0] == round(l34 / 2 + l41 + l12 / 2)
    assert m.duration_s[0, 1] == round((l12 / 2 + l23 + l34 / 2) / 10)


def test_two_points_on_the_same_one_way_edge(square: Square) -> None:
    graph, net = square
    a, b = Location(9.19025, 45.460), Location(9.19075, 45.460)
    m = travel_matrix(net, [a, b])
    l12 = edge_length(graph, 1, 2)
    loop = l12 + edge_length(graph, 2, 3) + edge_length(graph, 3, 4) + edge_length(graph, 4, 1)
    assert m.distance_m[0, 1] == round(l12 / 2)
    assert m.distance_m[1, 0] == round(loop - l12 / 2)
    assert m.distance_m[0, 0] == 0


def test_matrix_cache_reuses_rows_and_adds_a_point(square: Square) -> None:
    _, net = square
    points = [SQUARE[1], SQUARE[3], (9.1905, 45.4605)]
    full = travel_matrix(net, points)
    net.clear_matrix_cache()
    travel_matrix(net, points[:2])
    grown = travel_matrix(net, points)
    assert np.array_equal(full.duration_s, grown.duration_s)
    assert np.array_equal(full.distance_m, grown.distance_m)
    again = travel_matrix(net, points[::-1])
    assert np.array_equal(again.duration_s, full.duration_s[::-1, ::-1])


def test_route_geometry_follows_roads_with_street_names(square: Square) -> None:
    _, net = square
    route = route_geometry(net, [(9.1905, 45.460), (9.1905, 45.461), (9.1905, 45.460)])
    coords = route.geometry["coordinates"]
    assert route.geometry["type"] == "LineString" and not route.approximate
    assert coords[0] == pytest.approx([9.1905, 45.460]) and coords[-1] == pytest.approx([9.1905, 45.460])
    assert [9.191, 45.460] in coords and [9.190, 45.461] in coords  # around by 2 then by 4
    assert route.streets == [["Via Uno", "Via Due", "Via Tre"], ["Via Tre", "Via Quattro", "Via Uno"]]
    matrix = travel_matrix(net, [(9.1905, 45.460), (9.1905, 45.461)])
    assert route.legs[0].duration_s == matrix.duration_s[0, 1]
    assert route.legs[1].distance_m == matrix.distance_m[1, 0]
    assert route.legs[0].summary(2) == "Via Uno → Via Due → …"


def test_approximate_mode_without_network() -> None:
    settings = RoutingSettings(circuity_factor=1.5, approximate_speed_kph=36.0)
    a, b = Location(9.19, 45.46), Location(9.20, 45.47)
    m = travel_matrix(None, [a, b], settings)
    expected = haversine_m(a, b) * 1.5
    assert m.approximate and m.distance_m[0, 1] == round(expected) == m.distance_m[1, 0]
    assert m.duration_s[0, 1] == round(expected / 10)
    route = route_geometry(None, [a, b], settings)
    assert route.approximate and route.geometry["coordinates"] == [[9.19, 45.46], [9.20, 45.47]]
    assert route.legs[0].streets == ()


def test_matrix_names_the_far_point_even_when_others_are_cached(square: Square) -> None:
    _, net = square
    travel_matrix(net, [SQUARE[1], SQUARE[2]])
    far = north_of(9.1905, 45.460, -300.0)
    with pytest.raises(SnapError, match=r"point 2 \(lon 9\.190500"):
        travel_matrix(net, [SQUARE[1], SQUARE[2], far])
    with pytest.raises(InvalidInputError, match=r"locations\[0\]"):
        travel_matrix(net, [(float("nan"), 45.46)])
    assert travel_matrix(net, []).duration_s.shape == (0, 0)


def test_matrix_cache_persists_for_another_process(square: Square, monkeypatch: pytest.MonkeyPatch) -> None:
    _, net = square
    points = [SQUARE[1], (9.1905, 45.4605), SQUARE[3]]
    expected = travel_matrix(net, points)
    net.save_matrix_cache()
    fresh = RoadNetwork(net.compact, net.settings)
    assert fresh.load_matrix_cache()

    def no_search(*_: object, **__: object) -> None:
        raise AssertionError("searched although cached")

    monkeypatch.setattr(fresh._search, "search", no_search)
    again = travel_matrix(fresh, points[::-1])
    assert np.array_equal(again.duration_s, expected.duration_s[::-1, ::-1])
    assert np.array_equal(again.snap_distance_m, expected.snap_distance_m[::-1])
    other = RoadNetwork(net.compact, RoutingSettings(cache_dir=net.settings.cache_dir, snap_threshold_m=100))
    assert not other.load_matrix_cache()  # another snap threshold: its own file


def test_full_matrix_cache_is_refilled(square: Square) -> None:
    graph, net = square
    small = RoadNetwork(net.compact, RoutingSettings(cache_dir=net.settings.cache_dir, matrix_cache_points=3))
    first = travel_matrix(small, [SQUARE[1], SQUARE[2]]).duration_s
    bigger = travel_matrix(small, [SQUARE[3], SQUARE[4], SQUARE[1], SQUARE[2]]).duration_s
    assert np.array_equal(bigger[2:, 2:], first)
    assert bigger[2, 3] == round(edge_length(graph, 1, 2) / 10)
