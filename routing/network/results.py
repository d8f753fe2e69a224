"""Result types of the network half of :mod:`routing` (all lon/lat, whole seconds and metres)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.geo import Location

_IntArr = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel times and distances between points, ``[from i, to j]``.

    Attributes
    ----------
    duration_s
        ``int64[N, N]`` seconds (fastest path; -1 if unreachable).
    distance_m
        ``int64[N, N]`` metres along that fastest path (-1 if unreachable).
    approximate
        ``True`` when computed without a road network (great-circle estimate).
    snap_distance_m
        ``int64[N]`` metres from each point to the road it was placed on
        (0 in approximate mode). The matrix starts and ends on the road.
    locations
        The points, in matrix order.
    """

    duration_s: _IntArr
    distance_m: _IntArr
    approximate: bool
    snap_distance_m: _IntArr
    locations: tuple[Location, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg of a route, between two consecutive stops.

    Attributes
    ----------
    duration_s, distance_m
        Driving time and distance of the leg (whole seconds and metres).
    streets
        Street names in driving order, consecutive repeats removed.
    """

    duration_s: int
    distance_m: int
    streets: tuple[str, ...]

    def summary(self, most: int = 4) -> str:
        """The first ``most`` streets joined by arrows, e.g. ``"Via Padova → Viale Monza → …"``."""
        text = " → ".join(self.streets[:most])
        return text + " → …" if len(self.streets) > most else text


@dataclass(frozen=True, slots=True)
class RouteGeometry:
    """The road path through an ordered list of stops.

    Attributes
    ----------
    geometry
        GeoJSON ``LineString`` dict, coordinates ``[lon, lat]``.
    legs
        One :class:`Leg` per consecutive pair of stops.
    approximate
        ``True`` for straight lines drawn without a road network.
    """

    geometry: dict[str, Any]
    legs: tuple[Leg, ...]
    approximate: bool

    @property
    def streets(self) -> list[list[str]]:
        """Street names per leg."""
        return [list(leg.streets) for leg in self.legs]

    def to_feature(self) -> dict[str, Any]:
        """A GeoJSON ``Feature`` with per-leg durations, distances and streets."""
        legs = [{"duration_s": g.duration_s, "distance_m": g.distance_m, "streets": list(g.streets)} for g in self.legs]
        return {
            "type": "Feature",
            "geometry": self.geometry,
            "properties": {"approximate": self.approximate, "legs": legs},
        }
