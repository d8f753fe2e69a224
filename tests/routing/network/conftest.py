"""Fixtures of the road-network tests: real OSM data in ``$FITMI_SHARED/gis/roads`` and hand-made graphs."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from network_testdata import square_graph

from routing.network.build import graph_from_file, prepare_graph
from routing.network.road_network import RoadNetwork
from routing.settings import RoutingSettings
from tests.shared_data import MILAN_EXTRACT, TURIN_NETWORK, shared_file


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory) -> RoutingSettings:
    return RoutingSettings(cache_dir=tmp_path_factory.mktemp("network-cache"))


@pytest.fixture(scope="session")
def turin(session_settings: RoutingSettings) -> tuple[nx.MultiDiGraph, RoadNetwork]:
    """The prepared Turin graph (for networkx comparisons) and its compact network."""
    graph, report = graph_from_file(shared_file(TURIN_NETWORK), session_settings)
    return graph, RoadNetwork.from_graph(graph, session_settings, {"report": {"nodes": report.nodes}})


@pytest.fixture(scope="session")
def milan_path() -> Path:
    return shared_file(MILAN_EXTRACT)


@pytest.fixture()
def square(tmp_path: Path) -> tuple[nx.MultiDiGraph, RoadNetwork]:
    settings = RoutingSettings(cache_dir=tmp_path, workers=1)
    graph, _ = prepare_graph(square_graph(), settings, "square")
    return graph, RoadNetwork.from_graph(graph, settings)
