"""Download a road network with OSMnx: the ONLY module that touches the internet.

It is also the only module that changes ``osmnx.settings``, and only inside
:func:`osmnx_settings`, which restores them afterwards. Tests replace the HTTP
layer with recorded responses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import osmnx as ox
from shapely.geometry.base import BaseGeometry

from routing.errors import NetworkDownloadError, NetworkFileError
from routing.settings import RoutingSettings

#: Way tags the truck filter and speeds need, on top of OSMnx's defaults.
TRUCK_WAY_TAGS = ("access", "vehicle", "motor_vehicle", "goods", "hgv", "maxweight", "maxheight", "maxspeed")
#: OSMnx network type fetched before the truck filter (public roads incl. service roads).
NETWORK_TYPE = "drive_service"


@contextmanager
def osmnx_settings(settings: RoutingSettings) -> Iterator[None]:
    """Temporarily configure OSMnx: extra way tags, HTTP cache in ``settings.cache_dir``."""
    wanted: dict[str, Any] = {
        "useful_tags_way": list(dict.fromkeys([*ox.settings.useful_tags_way, *TRUCK_WAY_TAGS])),
        "use_cache": True,
        "cache_folder": str(Path(settings.cache_dir) / "osmnx-http"),
        "log_console": False,
    }
    saved = {name: getattr(ox.settings, name) for name in wanted}
    try:
        for name, value in wanted.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


def polygon_from_geojson(path: Path) -> BaseGeometry:
    """Union of every feature of a GeoJSON file (e.g. the comuni of the metro area), in lon/lat."""
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own errors on bad files
        raise NetworkFileError(f"{path}: not a readable GeoJSON ({exc})") from exc
    if frame.empty:
        raise NetworkFileError(f"{path}: no features")
    if frame.crs is not None:
        frame = frame.to_crs(4326)
    union: BaseGeometry = frame.geometry.union_all()
    return union


def download_graph(
    settings: RoutingSettings, *, place: str | None = None, polygon: BaseGeometry | None = None
) -> nx.MultiDiGraph:
    """Fetch the raw drivable graph of a place name or a lon/lat polygon from Overpass.

    Raises
    ------
    NetworkDownloadError
        If the request fails or OSM returns nothing for the area.
    """
    if (place is None) == (polygon is None):
        raise ValueError("give exactly one of place= or polygon=")
    what = place if place is not None else "polygon"
    try:
        with osmnx_settings(settings):
            if polygon is not None:
                return ox.graph_from_polygon(polygon, network_type=NETWORK_TYPE, retain_all=True)
            assert place is not None
            return ox.graph_from_place(place, network_type=NETWORK_TYPE, retain_all=True)
    except Exception as exc:  # requests / OSMnx errors of many kinds
        raise NetworkDownloadError(f"downloading the road network of {what!r} failed: {exc}") from exc
