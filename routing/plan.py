"""The result of a solve: routes of timed visits, totals and unassigned stops.

Times are integer seconds from midnight of the planning day, distances integer
metres, loads integer kilograms (then volume and pieces, when the problem's
stops use them: see ``routing.model.LOAD_DIMENSIONS``). Plans export to GeoJSON and GPX.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from routing.geo import Location

VisitKind = Literal["depot", "stop", "reload"]
UnassignedCode = Literal["not_worth_it", "infeasible", "no_room"]
#: Returns the (lon, lat) points of the road between two locations, both ends included.
GeometryProvider = Callable[[Location, Location], Sequence[tuple[float, float]]]


@dataclass(frozen=True, slots=True)
class Visit:
    """One call of a route at a depot (start/end), a reload site or a stop.

    Parameters
    ----------
    kind
        ``"depot"`` (start or end of the round), ``"reload"`` (unload/reload at a
        site mid-round, or the final unload just before the end depot) or ``"stop"``.
    id
        The depot or stop id.
    arrival_s, start_s, departure_s
        Arrival, start of service (after any wait for the time window) and
        departure. At the start depot ``arrival_s == start_s`` is when loading begins.
    load
        Load on board after the visit, per dimension (kg, then volume and pieces if used).
        At a depot or reload visit it is the load taken on for the next trip.
    distance_m
        Distance driven from the previous visit.
    trip
        Trip number (0 before the first reload; a final unload ends the last trip).
    location
        Coordinates when known.
    load_on_arrival
        Load on board when arriving (what a reload visit unloads), per dimension.
    """

    kind: VisitKind
    id: str
    arrival_s: int
    start_s: int
    departure_s: int
    load: tuple[int, ...]
    distance_m: int
    trip: int
    location: Location | None = None
    load_on_arrival: tuple[int, ...] = ()

    @property
    def load_kg(self) -> int:
        """Load in kilograms after the visit."""
        return self.load[0]

    @property
    def wait_s(self) -> int:
        """Waiting time before service (early arrival)."""
        return self.start_s - self.arrival_s


@dataclass(frozen=True, slots=True)
class Route:
    """The round of one vehicle: visits from its start depot to its end depot.

    Parameters
    ----------
    vehicle_id
        ``"<vehicle type id>#<n>"``, n counting from 1.
    vehicle_type
        The :class:`~routing.model.Vehicle` id.
    visits
        Ordered visits, the first and last of kind ``"depot"``.
    """

    vehicle_id: str
    vehicle_type: str
    visits: tuple[Visit, ...]

    @property
    def distance_m(self) -> int:
        """Total distance driven."""
        return sum(v.distance_m for v in self.visits)

    @property
    def start_s(self) -> int:
        """Start of the round (loading at the start depot begins)."""
        return self.visits[0].start_s

    @property
    def end_s(self) -> int:
        """Return to the end depot."""
        return self.visits[-1].arrival_s

    @property
    def duration_s(self) -> int:
        """Length of the round, waits included."""
        return self.end_s - self.start_s

    @property
    def stop_ids(self) -> tuple[str, ...]:
        """Stops served, in order."""
        return tuple(v.id for v in self.visits if v.kind == "stop")

    @property
    def final_unload(self) -> Visit | None:
        """The unload visit just before the end depot (vehicles that must end empty), if any."""
        last = self.visits[-2] if len(self.visits) > 2 else None
        return last if last is not None and last.kind == "reload" else None

    @property
    def num_reloads(self) -> int:
        """Number of reloads between trips (a final unload is not one)."""
        return sum(v.kind == "reload" for v in self.visits) - (self.final_unload is not None)


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A stop left out of the plan, with the reason in words and as a code.

    ``code`` is ``"not_worth_it"`` (optional, prize below its detour cost),
    ``"infeasible"`` (no vehicle can serve it at all) or ``"no_room"`` (required,
    but the fleet had no capacity or time left for it).
    """

    stop_id: str
    code: UnassignedCode
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """A solution: routes, unassigned stops and the objective.

    Parameters
    ----------
    routes
        Routes of the vehicles used (unused vehicles have none).
    unassigned
        Stops not served, each with a reason.
    cost
        Objective in cost units: fixed, distance and duration costs of the routes
        plus the prizes of the optional stops left out.
    feasible
        ``False`` when required stops could not be served (see ``unassigned``),
        or when the plan is a best effort that breaks capacity or shifts (a
        search that found nothing within them in its budget).
    approximate
        Whether the travel matrices were estimates.
    seed, runtime_s, iterations
        How the plan was obtained.
    progress
        ``(elapsed seconds, best cost)`` each time the solver improved.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    cost: int
    feasible: bool = True
    approximate: bool = False
    seed: int | None = None
    runtime_s: float = 0.0
    iterations: int = 0
    progress: tuple[tuple[float, int], ...] = ()

    @property
    def distance_m(self) -> int:
        """Total distance of all routes."""
        return sum(r.distance_m for r in self.routes)

    @property
    def duration_s(self) -> int:
        """Sum of route durations."""
        return sum(r.duration_s for r in self.routes)

    @property
    def served(self) -> tuple[str, ...]:
        """Ids of the stops served, route by route."""
        return tuple(s for r in self.routes for s in r.stop_ids)

    def to_geojson(self, geometry: GeometryProvider | None = None) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: one LineString per route, one Point per visit.

        Legs are straight lines between visits unless ``geometry`` gives the road
        shape. Visits without a location are skipped.
        """
        features: list[dict[str, Any]] = []
        for route in self.routes:
            features.append(_route_feature(route, geometry))
            features.extend(_visit_feature(route, seq, v) for seq, v in enumerate(route.visits) if v.location)
        return {"type": "FeatureCollection", "features": features}

    def to_gpx(self) -> str:
        """A GPX 1.1 document with one ``<rte>`` per route (visits with a location)."""
        root = ET.Element("gpx", version="1.1", creator="FIT-MI Logistics", xmlns="http://www.topografix.com/GPX/1/1")
        for route in self.routes:
            rte = ET.SubElement(root, "rte")
            ET.SubElement(rte, "name").text = route.vehicle_id
            for v in route.visits:
                if v.location is None:
                    continue
                pt = ET.SubElement(rte, "rtept", lat=f"{v.location.lat:.7f}", lon=f"{v.location.lon:.7f}")
                ET.SubElement(pt, "name").text = v.id
                ET.SubElement(pt, "desc").text = _describe(v)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _describe(v: Visit) -> str:
    unloaded = f" unload {v.load_on_arrival[0]} kg" if v.kind == "reload" and v.load_on_arrival else ""
    return f"{v.kind} arrival {_hhmm(v.arrival_s)}{unloaded} load {v.load_kg} kg"


def _route_feature(route: Route, geometry: GeometryProvider | None) -> dict[str, Any]:
    points = [v.location for v in route.visits if v.location is not None]
    coords: list[tuple[float, float]] = [(points[0].lon, points[0].lat)] if points else []
    for a, b in itertools.pairwise(points):
        leg = list(geometry(a, b)) if geometry else [(a.lon, a.lat), (b.lon, b.lat)]
        coords.extend(leg[1:])
    props = {
        "vehicle_id": route.vehicle_id,
        "vehicle_type": route.vehicle_type,
        "distance_m": route.distance_m,
        "duration_s": route.duration_s,
        "start_s": route.start_s,
        "end_s": route.end_s,
        "stops": len(route.stop_ids),
        "reloads": route.num_reloads,
        "final_unload": route.final_unload.id if route.final_unload else None,
    }
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}, "properties": props}


def _visit_feature(route: Route, seq: int, visit: Visit) -> dict[str, Any]:
    assert visit.location is not None
    props = {
        "vehicle_id": route.vehicle_id,
        "sequence": seq,
        "kind": visit.kind,
        "id": visit.id,
        "arrival_s": visit.arrival_s,
        "departure_s": visit.departure_s,
        "load_kg": visit.load_kg,
        "load_on_arrival_kg": visit.load_on_arrival[0] if visit.load_on_arrival else None,
        "trip": visit.trip,
    }
    geom = {"type": "Point", "coordinates": [visit.location.lon, visit.location.lat]}
    return {"type": "Feature", "geometry": geom, "properties": props}
