"""Fixtures of the road-network tests: real OSM data in ``$FITMI_SHARED/gis/roads`` and hand-made graphs."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pytest
from network_testdata import square_graph

from routing.network.build import graph_from_file, prepare_graph
from routing.network.road_network import RoadNetwork
from routing.settings import RoutingSettings

REPO = Path(__file__).resolve().parents[3]
MILAN = "gis/roads/milano_centro_partial_overpass_2019-02-26.osm.bz2"
TURIN = "gis/roads/torino_drive_osm2018.graphml.gz"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder (``$FITMI_SHARED``, default ``<repo>/../shared``)."""
    path = Path(os.environ.get("FITMI_SHARED", REPO.parent / "shared"))
    if not (path / "gis" / "roads").is_dir():
        pytest.skip(f"shared GIS data not found in {path} (set FITMI_SHARED)")
    return path


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory) -> RoutingSettings:
    return RoutingSettings(cache_dir=tmp_path_factory.mktemp("network-cache"))


@pytest.fixture(scope="session")
def turin(shared_dir: Path, session_settings: RoutingSettings) -> tuple[nx.MultiDiGraph, RoadNetwork]:
    """The prepared Turin graph (for networkx comparisons) and its compact network."""
    graph, report = graph_from_file(shared_dir / TURIN, session_settings)
    return graph, RoadNetwork.from_graph(graph, session_settings, {"report": {"nodes": report.nodes}})


@pytest.fixture(scope="session")
def milan_path(shared_dir: Path) -> Path:
    return shared_dir / MILAN


@pytest.fixture()
def square(tmp_path: Path) -> tuple[nx.MultiDiGraph, RoadNetwork]:
    settings = RoutingSettings(cache_dir=tmp_path, workers=1)
    graph, _ = prepare_graph(square_graph(), settings, "square")
    return graph, RoadNetwork.from_graph(graph, settings)
