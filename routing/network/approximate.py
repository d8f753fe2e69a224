"""Approximate mode, used when no road network is configured.

Road distance = great-circle distance × ``RoutingSettings.circuity_factor``;
travel time = that distance at ``RoutingSettings.approximate_speed_kph``.
Every result is marked ``approximate=True`` so the application can say so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from routing.geo import EARTH_RADIUS_M
from routing.network.results import Leg, RouteGeometry, TravelMatrix
from routing.network.snapping import PointLike, as_locations
from routing.settings import RoutingSettings

_Arr = npt.NDArray[np.float64]


def haversine_np(lon1: _Arr, lat1: _Arr, lon2: _Arr, lat2: _Arr) -> _Arr:
    """Great-circle distances in metres, broadcasting like numpy."""
    lon1, lat1, lon2, lat2 = (np.radians(a) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    result: _Arr = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return result


def _road_metres(lon1: _Arr, lat1: _Arr, lon2: _Arr, lat2: _Arr, settings: RoutingSettings) -> _Arr:
    result: _Arr = haversine_np(lon1, lat1, lon2, lat2) * settings.circuity_factor
    return result


def _seconds(metres: _Arr, settings: RoutingSettings) -> npt.NDArray[np.int64]:
    return np.rint(metres / (settings.approximate_speed_kph / 3.6)).astype(np.int64)


def approximate_matrix(points: Sequence[PointLike], settings: RoutingSettings) -> TravelMatrix:
    """Symmetric estimate of travel times (s) and distances (m) between points."""
    locations = as_locations(points)
    lon = np.array([p.lon for p in locations], np.float64)
    lat = np.array([p.lat for p in locations], np.float64)
    metres = _road_metres(lon[:, None], lat[:, None], lon[None, :], lat[None, :], settings)
    return TravelMatrix(
        duration_s=_seconds(metres, settings),
        distance_m=np.rint(metres).astype(np.int64),
        approximate=True,
        snap_distance_m=np.zeros(len(locations), np.int64),
        locations=tuple(locations),
    )


def approximate_route(points: Sequence[PointLike], settings: RoutingSettings) -> RouteGeometry:
    """Straight lines between consecutive stops, with estimated leg times and no street names."""
    locations = as_locations(points)
    lon = np.array([p.lon for p in locations], np.float64)
    lat = np.array([p.lat for p in locations], np.float64)
    metres = _road_metres(lon[:-1], lat[:-1], lon[1:], lat[1:], settings)
    seconds = _seconds(metres, settings)
    legs = tuple(Leg(int(s), round(float(m)), ()) for s, m in zip(seconds, metres, strict=True))
    coords = [[p.lon, p.lat] for p in locations]
    if len(coords) == 1:
        coords = coords * 2
    return RouteGeometry({"type": "LineString", "coordinates": coords}, legs, approximate=True)
