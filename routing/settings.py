"""Settings of the routing library: one frozen object, passed explicitly.

There is no global mutable state: every function that needs a setting takes a
:class:`RoutingSettings` argument (defaulting to ``RoutingSettings()``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from routing.errors import InvalidInputError

#: Free-flow speeds (km/h) per OSM ``highway`` class where ``maxspeed`` is not tagged.
#: Italian defaults (Codice della Strada art. 142): 50 km/h in built-up areas,
#: 90 on extra-urban roads, 110 on dual carriageways, 130 on motorways; lower
#: values for residential and service streets where trucks rarely reach 50.
ITALIAN_URBAN_SPEEDS_KPH: tuple[tuple[str, float], ...] = (
    ("motorway", 110.0),
    ("motorway_link", 60.0),
    ("trunk", 90.0),
    ("trunk_link", 50.0),
    ("primary", 50.0),
    ("primary_link", 40.0),
    ("secondary", 50.0),
    ("secondary_link", 40.0),
    ("tertiary", 40.0),
    ("tertiary_link", 30.0),
    ("unclassified", 30.0),
    ("residential", 30.0),
    ("living_street", 10.0),
    ("service", 15.0),
    ("road", 30.0),
)


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fitmi-routing"


@dataclass(frozen=True, slots=True)
class RoutingSettings:
    """Every tunable of the road-network half of :mod:`routing`.

    Parameters
    ----------
    snap_threshold_m
        Points farther than this from the nearest drivable edge are refused
        with a :class:`~routing.errors.SnapError` (default 250 m).
    speed_table_kph
        ``(highway class, km/h)`` pairs used where ``maxspeed`` is missing.
    fallback_speed_kph
        Speed for a road class absent from ``speed_table_kph``.
    truck_max_speed_kph
        Cap applied to every edge speed (a collection truck does not do 130).
    max_weight_t, max_height_m
        Vehicle weight (t) and height (m): ways tagged ``maxweight`` /
        ``maxheight`` below these are dropped. ``None`` ignores the tag.
    circuity_factor
        Approximate mode (no network): road distance = great-circle distance
        times this factor. 1.35 is a typical detour index for European urban
        road networks (Boscoe et al. 2012 report 1.2-1.4 for city driving).
    approximate_speed_kph
        Approximate mode: average door-to-door truck speed in the Milan metro
        area, stops excluded (default 22 km/h).
    cache_dir
        Folder of the compact-network cache (``$XDG_CACHE_HOME/fitmi-routing``).
    workers
        Processes used for many-to-many searches (the dev machine has 2 cores).
    matrix_cache_points
        Most points whose rows are kept in the in-memory matrix cache.
    point_key_decimals
        Decimal degrees kept when a point is used as a cache key (6 ≈ 0.1 m).
    keep_largest_scc
        Keep only the largest strongly connected component (recommended: every
        point is then reachable from every other).
    """

    snap_threshold_m: float = 250.0
    speed_table_kph: tuple[tuple[str, float], ...] = ITALIAN_URBAN_SPEEDS_KPH
    fallback_speed_kph: float = 30.0
    truck_max_speed_kph: float = 90.0
    max_weight_t: float | None = None
    max_height_m: float | None = None
    circuity_factor: float = 1.35
    approximate_speed_kph: float = 22.0
    cache_dir: Path = field(default_factory=_default_cache_dir)
    workers: int = 2
    matrix_cache_points: int = 4000
    point_key_decimals: int = 6
    keep_largest_scc: bool = True

    def __post_init__(self) -> None:
        positive = {
            "snap_threshold_m": self.snap_threshold_m,
            "fallback_speed_kph": self.fallback_speed_kph,
            "truck_max_speed_kph": self.truck_max_speed_kph,
            "circuity_factor": self.circuity_factor,
            "approximate_speed_kph": self.approximate_speed_kph,
            "workers": self.workers,
            "matrix_cache_points": self.matrix_cache_points,
        }
        for name, value in positive.items():
            if not value > 0:
                raise InvalidInputError(name, f"must be positive, got {value!r}")
        for name, kph in self.speed_table_kph:
            if not kph > 0:
                raise InvalidInputError("speed_table_kph", f"speed for {name!r} must be positive")
        if self.circuity_factor < 1:
            raise InvalidInputError("circuity_factor", "must be at least 1")

    @property
    def speeds_kph(self) -> dict[str, float]:
        """The speed table as a dictionary (a fresh copy)."""
        return dict(self.speed_table_kph)

    def build_fingerprint(self) -> str:
        """The settings that change a built network, as text for content hashes."""
        return repr(
            (
                self.speed_table_kph,
                self.fallback_speed_kph,
                self.truck_max_speed_kph,
                self.max_weight_t,
                self.max_height_m,
                self.keep_largest_scc,
            )
        )
