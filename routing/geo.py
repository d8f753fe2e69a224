"""Geographic primitives shared by the network and the optimiser."""

from __future__ import annotations

import math
from dataclasses import dataclass

from routing.errors import InvalidInputError

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Location:
    """A WGS84 point (EPSG:4326), longitude first.

    Parameters
    ----------
    lon, lat
        Degrees. NaN, infinities and values outside the valid ranges are refused.
    """

    lon: float
    lat: float

    def __post_init__(self) -> None:
        for name, value, bound in (("lon", self.lon, 180.0), ("lat", self.lat, 90.0)):
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InvalidInputError(name, f"not a finite number: {value!r}")
            if abs(value) > bound:
                raise InvalidInputError(name, f"{value!r} is outside [-{bound:g}, {bound:g}]")


def haversine_m(a: Location, b: Location) -> float:
    """Great-circle distance in metres between two points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.lon, a.lat, b.lon, b.lat))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
