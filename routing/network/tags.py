"""OSM tag rules for a collection truck: which ways it may drive and how fast.

The same predicate serves raw OSM ways (read with pyosmium) and the edges of
an already-built OSMnx graph, whose attribute values may be lists after
topological simplification.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from routing.settings import RoutingSettings

#: ``highway`` values a motor vehicle cannot use (OSMnx "drive_service" filter).
EXCLUDED_HIGHWAYS = frozenset(
    [
        "abandoned",
        "bridleway",
        "bus_guideway",
        "busway",
        "construction",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "no",
        "path",
        "pedestrian",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
        "steps",
        "track",
        "via_ferrata",
    ]
)
#: ``service`` values a truck does not enter.
EXCLUDED_SERVICES = frozenset(["driveway", "emergency_access", "parking", "parking_aisle", "private"])
#: Access values that close a way to a goods vehicle.
CLOSED_ACCESS = frozenset(["no", "private", "agricultural", "forestry", "emergency"])
#: Access keys from the most to the least specific (the most specific present wins).
ACCESS_KEYS = ("hgv", "goods", "motor_vehicle", "vehicle", "access")
#: Italian implicit speed limits (``maxspeed=IT:*``), km/h.
ITALIAN_ZONE_SPEEDS = {"IT:urban": "50", "IT:rural": "90", "IT:trunk": "110", "IT:motorway": "130"}

_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-z]*)\s*$")


def _values(value: Any) -> list[str]:
    """Tag value(s) as a list of strings (OSMnx merges values into lists)."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


def _quantity(value: Any, units: Mapping[str, float]) -> float | None:
    """Smallest parseable number among the values, scaled by its unit; ``None`` if none."""
    found: list[float] = []
    for text in _values(value):
        match = _NUMBER.match(text.lower())
        if match and match.group(2) in units:
            found.append(float(match.group(1).replace(",", ".")) * units[match.group(2)])
    return min(found) if found else None


def truck_allowed(tags: Mapping[str, Any], settings: RoutingSettings) -> bool:
    """Whether a collection truck may drive along a way or edge with these tags.

    Parameters
    ----------
    tags
        OSM tags (``highway``, ``access``, ``hgv``...) or OSMnx edge attributes.
    settings
        Supplies the optional ``max_weight_t`` / ``max_height_m`` limits.

    Returns
    -------
    bool
        ``False`` for non-drivable classes, areas, closed access and too low /
        too weak ways.
    """
    highways = _values(tags.get("highway"))
    if not highways or all(h in EXCLUDED_HIGHWAYS for h in highways):
        return False
    if "yes" in _values(tags.get("area")):
        return False
    if any(s in EXCLUDED_SERVICES for s in _values(tags.get("service"))):
        return False
    for key in ACCESS_KEYS:
        values = _values(tags.get(key))
        if values:
            if any(v in CLOSED_ACCESS for v in values):
                return False
            break
    return _within_limits(tags, settings)


def _within_limits(tags: Mapping[str, Any], settings: RoutingSettings) -> bool:
    if settings.max_weight_t is not None:
        limit = _quantity(tags.get("maxweight"), {"": 1.0, "t": 1.0, "kg": 0.001})
        if limit is not None and limit < settings.max_weight_t:
            return False
    if settings.max_height_m is not None:
        limit = _quantity(tags.get("maxheight"), {"": 1.0, "m": 1.0})
        if limit is not None and limit < settings.max_height_m:
            return False
    return True


def normalise_maxspeed(value: Any) -> Any:
    """Replace Italian zone limits (``IT:urban``...) by numbers OSMnx can parse."""
    if isinstance(value, list):
        return [ITALIAN_ZONE_SPEEDS.get(str(v), v) for v in value]
    if isinstance(value, str):
        return ITALIAN_ZONE_SPEEDS.get(value, value)
    return value


def first_name(value: Any) -> str:
    """A street name for display: the first of the merged names, or ``""``."""
    names = [n for n in _values(value) if n and n != "nan"]
    return names[0] if names else ""


def unique_in_order(items: Iterable[str]) -> list[str]:
    """Non-empty items without consecutive repeats, order kept."""
    out: list[str] = []
    for item in items:
        if item and (not out or out[-1] != item):
            out.append(item)
    return out
