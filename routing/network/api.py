"""Public functions of the network half of :mod:`routing`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from routing.errors import NetworkFileError
from routing.network.approximate import approximate_matrix, approximate_route
from routing.network.build import BuildReport, graph_from_file, prepare_graph, suffix_of
from routing.network.compact import hash_file
from routing.network.download import download_graph
from routing.network.results import RouteGeometry, TravelMatrix
from routing.network.road_network import RoadNetwork
from routing.network.snapping import PointLike
from routing.settings import RoutingSettings

log = logging.getLogger(__name__)


def _meta(source: str, report: BuildReport, source_hash: str = "") -> dict[str, object]:
    return {"source": source, "source_hash": source_hash, "report": asdict(report)}


def load_network(path: str | Path, settings: RoutingSettings | None = None) -> RoadNetwork:
    """Load a road network from a local file, through the compact cache.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.pbf``, ``.graphml``, ``.graphml.gz``, or a
        compact ``.npz`` written by :meth:`RoadNetwork.save` / ``build-network``.
    settings
        Build settings; the cache lives in ``settings.cache_dir`` and is keyed
        by the SHA-256 of the file and of the settings that shape the network.

    Raises
    ------
    NetworkFileError
        Naming the file, if it is missing, empty, corrupt or has no drivable road.
    """
    path, settings = Path(path), settings or RoutingSettings()
    if not path.is_file():
        raise NetworkFileError(f"{path}: no such file")
    if suffix_of(path) == ".npz":
        return RoadNetwork.load(path, settings)
    key = hash_file(path, settings.build_fingerprint())
    cached = Path(settings.cache_dir) / f"network-{key}.npz"
    if cached.is_file():
        try:
            return RoadNetwork.load(cached, settings)
        except NetworkFileError as exc:
            log.warning("ignoring unreadable network cache: %s", exc)
    graph, report = graph_from_file(path, settings)
    network = RoadNetwork.from_graph(graph, settings, _meta(str(path), report, key))
    del graph
    try:
        network.save(cached)
    except OSError as exc:
        log.warning("cannot write the network cache %s: %s", cached, exc)
    return network


def build_network(
    *, place: str | None = None, polygon: BaseGeometry | None = None, settings: RoutingSettings | None = None
) -> RoadNetwork:
    """Download a road network with OSMnx for a place name or a lon/lat polygon.

    Parameters
    ----------
    place
        A geocodable name, e.g. ``"Città metropolitana di Milano, Italia"``.
    polygon
        A shapely (Multi)Polygon in lon/lat, e.g. the union of comuni boundaries.
    settings
        Truck filter, speeds; ``settings.cache_dir`` holds OSMnx's HTTP cache.

    Raises
    ------
    NetworkDownloadError
        If the download fails.
    """
    settings = settings or RoutingSettings()
    raw = download_graph(settings, place=place, polygon=polygon)
    graph, report = prepare_graph(raw, settings, place or "polygon")
    return RoadNetwork.from_graph(graph, settings, _meta(place or "polygon", report))


def travel_matrix(
    network: RoadNetwork | None, locations: Sequence[PointLike], settings: RoutingSettings | None = None
) -> TravelMatrix:
    """Travel-time (s) and distance (m) matrix ``[from i, to j]`` between points.

    Parameters
    ----------
    network
        The road network, or ``None`` for the approximate mode (great-circle
        distance × circuity factor at an average speed, ``approximate=True``).
    locations
        Points as :class:`~routing.geo.Location` or ``(lon, lat)``.
    settings
        Used in approximate mode; a network uses its own settings.

    Raises
    ------
    SnapError
        A point is farther than the snap threshold from every road.
    InvalidInputError
        A point is not a finite lon/lat pair.
    """
    if network is None:
        return approximate_matrix(locations, settings or RoutingSettings())
    return network.matrix(locations)


def route_geometry(
    network: RoadNetwork | None, locations: Sequence[PointLike], settings: RoutingSettings | None = None
) -> RouteGeometry:
    """The road path through ``locations`` in order, with street names per leg.

    With ``network=None`` the legs are straight lines, marked ``approximate=True``.
    """
    if network is None:
        return approximate_route(locations, settings or RoutingSettings())
    return network.path(locations)
