"""Truck access rules and speeds on OSM tags."""

from __future__ import annotations

from typing import Any

import pytest
from network_testdata import square_graph

from routing.errors import InvalidInputError
from routing.network.build import prepare_graph
from routing.network.tags import normalise_maxspeed, truck_allowed, unique_in_order
from routing.settings import RoutingSettings

HEAVY = RoutingSettings(max_weight_t=18, max_height_m=3.8)


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "footway"}, False),
        ({"highway": ["footway", "residential"]}, True),  # merged by OSMnx simplification
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "primary", "access": "no"}, False),
        ({"highway": "primary", "access": "private"}, False),
        ({"highway": "primary", "motor_vehicle": "no"}, False),
        ({"highway": "primary", "hgv": "no"}, False),
        ({"highway": "primary", "access": "no", "hgv": "designated"}, True),  # most specific wins
        ({"highway": "primary", "access": "destination"}, True),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "residential", "maxweight": "7.5"}, False),
        ({"highway": "residential", "maxweight": "20 t"}, True),
        ({"highway": "residential", "maxweight": "3500 kg"}, False),
        ({"highway": "residential", "maxheight": "3.2"}, False),
        ({"highway": "residential", "maxheight": "default"}, True),
        ({}, False),
    ],
)
def test_truck_allowed(tags: dict[str, Any], allowed: bool) -> None:
    assert truck_allowed(tags, HEAVY) is allowed


def test_limits_ignored_unless_configured() -> None:
    assert truck_allowed({"highway": "residential", "maxweight": "3.5"}, RoutingSettings())


def test_italian_zone_speeds_and_truck_cap() -> None:
    assert normalise_maxspeed("IT:urban") == "50"
    assert normalise_maxspeed(["IT:rural", "30"]) == ["90", "30"]
    graph = square_graph()
    for _, _, data in graph.edges(data=True):
        data.pop("maxspeed")
    graph.edges[1, 2, 0]["maxspeed"] = "IT:urban"
    graph.edges[2, 3, 0]["highway"] = "motorway"
    settings = RoutingSettings(truck_max_speed_kph=80)
    prepared, _ = prepare_graph(graph, settings, "square")
    assert prepared.edges[1, 2, 0]["speed_kph"] == 50
    assert prepared.edges[2, 3, 0]["speed_kph"] == 80  # motorway 110 capped
    assert prepared.edges[3, 4, 0]["speed_kph"] == 30  # residential default
    assert prepared.edges[3, 4, 0]["travel_time"] == pytest.approx(prepared.edges[3, 4, 0]["length"] / (30 / 3.6))


def test_settings_validated() -> None:
    with pytest.raises(InvalidInputError, match="snap_threshold_m"):
        RoutingSettings(snap_threshold_m=0)
    with pytest.raises(InvalidInputError, match="circuity_factor"):
        RoutingSettings(circuity_factor=0.9)


def test_unique_in_order() -> None:
    assert unique_in_order(["Via A", "Via A", "", "Via B", "Via A"]) == ["Via A", "Via B", "Via A"]
