"""The round-optimisation problem: sites, vehicles, stops and travel matrices.

Every class here is a frozen dataclass validated on construction; an invalid
value raises :class:`~routing.errors.InvalidInputError` (or its subclass
:class:`~routing.errors.ProblemError` for inconsistencies between parts) naming
the field and the value.

Units: integer seconds (times of day count from midnight of the planning day),
integer metres, integer kilograms. Costs are integer *cost units* chosen by the
caller (for example 1 unit = 0.1 euro cent); with the defaults (1 unit per metre,
0 per second) the objective is the total distance in metres.

Location order
--------------
The travel matrices of a :class:`Problem` are indexed by location: first the
depots in the order given, then the stops in the order given. ``Problem.index``
maps an id to its row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from routing.errors import InvalidInputError, ProblemError
from routing.estimates import IntMatrix, approximate_matrices, as_matrix
from routing.geo import Location

StopKind = Literal["pickup", "delivery"]

#: Load dimensions in the order of :attr:`Problem.dimensions` vectors (a problem uses the first 1, 2 or 3).
LOAD_DIMENSIONS = ("kg", "volume", "pieces")
#: Capacity of a vehicle in a dimension it sets no limit for (``None``).
NO_LIMIT = 1_000_000_000
_DAY_S = 7 * 86_400
_DEMAND = {"kg": "demand_kg", "volume": "volume", "pieces": "pieces"}


def _check_int(field_name: str, value: object, *, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(field_name, f"expected an integer, got {value!r}")
    if value < minimum:
        raise InvalidInputError(field_name, f"must be at least {minimum}, got {value!r}")


def _check_id(field_name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field_name, f"must be a non-empty string, got {value!r}")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """An interval ``[start_s, end_s]`` in seconds from midnight of the planning day.

    Parameters
    ----------
    start_s, end_s
        Earliest and latest second (inclusive); ``start_s <= end_s``.
    """

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check_int("start_s", self.start_s)
        _check_int("end_s", self.end_s)
        if self.end_s < self.start_s:
            raise InvalidInputError("end_s", f"empty time window: ends at {self.end_s} before {self.start_s}")

    def __contains__(self, t: int) -> bool:
        return self.start_s <= t <= self.end_s


@dataclass(frozen=True, slots=True)
class Depot:
    """A site where vehicles start, end or reload (warehouse, sorting plant).

    Parameters
    ----------
    id
        Caller's identifier, unique among depots and stops.
    location
        Coordinates (used for approximate matrices and exports), optional.
    opening
        Opening hours; vehicles leave and return within them. ``None`` = always.
    service_s
        Handling time at each departure from this site: loading at the start of a
        round and unloading/loading at each reload visit, including the final
        unload of a vehicle that must end empty (not on the final return). At a
        plant this is its fixed unloading time.
    """

    id: str
    location: Location | None = None
    opening: TimeWindow | None = None
    service_s: int = 0

    def __post_init__(self) -> None:
        _check_id("Depot.id", self.id)
        _check_int(f"Depot {self.id}.service_s", self.service_s)


@dataclass(frozen=True, slots=True)
class Stop:
    """A place to visit: a clothing bin to empty or a household to deliver to.

    Parameters
    ----------
    id
        Caller's identifier, unique among depots and stops.
    location
        Coordinates, optional.
    kind
        ``"pickup"`` (collection: the load grows and is unloaded at a reload or the
        end depot) or ``"delivery"`` (the goods are loaded at the depot).
    demand_kg
        Weight collected or delivered.
    volume, pieces
        Further capacity dimensions (e.g. litres and garments), 0 when unused.
    service_s
        Time spent at the stop.
    window
        When service may start; ``None`` = any time within the vehicle's shift.
    required
        Whether the stop must be served; optional stops are served only when
        their ``prize`` is worth the detour.
    prize
        Value (cost units) of serving an optional stop.
    """

    id: str
    location: Location | None = None
    kind: StopKind = "pickup"
    demand_kg: int = 0
    volume: int = 0
    pieces: int = 0
    service_s: int = 0
    window: TimeWindow | None = None
    required: bool = True
    prize: int = 0

    def __post_init__(self) -> None:
        _check_id("Stop.id", self.id)
        if self.kind not in ("pickup", "delivery"):
            raise InvalidInputError(f"Stop {self.id}.kind", f"must be 'pickup' or 'delivery', got {self.kind!r}")
        for name in ("demand_kg", "volume", "pieces", "service_s", "prize"):
            _check_int(f"Stop {self.id}.{name}", getattr(self, name))
        if self.required and self.prize:
            raise InvalidInputError(f"Stop {self.id}.prize", "a required stop has no prize; set required=False")


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle type: ``count`` identical vehicles.

    Parameters
    ----------
    id
        Caller's identifier of the type; routes are named ``"<id>#<n>"``.
    start_depot, end_depot
        Depot ids; ``end_depot`` defaults to ``start_depot``.
    capacity_kg, capacity_volume, capacity_pieces
        Capacities per trip; ``None`` sets no limit in that dimension (volume and
        pieces only count when some stop has them).
    count
        Number of vehicles of this type.
    shift
        Window within which the vehicle leaves and returns; ``None`` = all day.
    max_duration_s
        Longest round (return minus departure), ``None`` = no limit.
    reload_depots, max_reloads
        Depots where the vehicle may unload/reload during the round, and at most
        how many times (``None`` = unlimited; the final unload of ``end_empty`` is
        not counted).
    end_empty
        Whether the vehicle must come back empty: its last visit before the end
        depot is then an unload at one of ``reload_depots``, chosen by the solver.
        The end depot itself never unloads.
    fixed_cost, cost_per_m, cost_per_s
        Cost units per vehicle used, per metre driven and per second of round.
    """

    id: str
    start_depot: str
    capacity_kg: int
    count: int = 1
    end_depot: str | None = None
    capacity_volume: int | None = None
    capacity_pieces: int | None = None
    shift: TimeWindow | None = None
    max_duration_s: int | None = None
    reload_depots: tuple[str, ...] = ()
    max_reloads: int | None = None
    fixed_cost: int = 0
    cost_per_m: int = 1
    cost_per_s: int = 0
    end_empty: bool = False

    def __post_init__(self) -> None:
        _check_id("Vehicle.id", self.id)
        if not isinstance(self.end_empty, bool):
            raise InvalidInputError(f"Vehicle {self.id}.end_empty", f"expected True or False, got {self.end_empty!r}")
        _check_int(f"Vehicle {self.id}.count", self.count, minimum=1)
        for name in ("capacity_kg", "fixed_cost", "cost_per_m", "cost_per_s"):
            _check_int(f"Vehicle {self.id}.{name}", getattr(self, name))
        for name in ("capacity_volume", "capacity_pieces", "max_duration_s", "max_reloads"):
            if getattr(self, name) is not None:
                _check_int(f"Vehicle {self.id}.{name}", getattr(self, name))
        if not isinstance(self.reload_depots, tuple):
            object.__setattr__(self, "reload_depots", tuple(self.reload_depots))
        if self.end_empty and not self.reload_depots:
            raise InvalidInputError(
                f"Vehicle {self.id}.reload_depots", "end_empty=True needs at least one site to unload at, got none"
            )

    @property
    def end(self) -> str:
        """The end depot id (``end_depot`` or else ``start_depot``)."""
        return self.end_depot if self.end_depot is not None else self.start_depot

    def capacity(self, dimensions: int) -> tuple[int, ...]:
        """Capacities for the first ``dimensions`` of :data:`LOAD_DIMENSIONS` (no limit = :data:`NO_LIMIT`)."""
        extra = (NO_LIMIT if c is None else c for c in (self.capacity_volume, self.capacity_pieces))
        return (self.capacity_kg, *extra)[:dimensions]


def demand_vector(stop: Stop, dimensions: int) -> tuple[int, ...]:
    """The stop's demand for the first ``dimensions`` of :data:`LOAD_DIMENSIONS`."""
    return (stop.demand_kg, stop.volume, stop.pieces)[:dimensions]


@dataclass(frozen=True, eq=False)
class Problem:
    """A complete round-optimisation problem.

    Parameters
    ----------
    depots, vehicles, stops
        The parts; ids must be unique (depots and stops share one namespace).
    duration_s, distance_m
        Travel matrices (integer seconds and metres) indexed by location: depots
        first, then stops, both in the order given. Nested lists or numpy arrays.
    approximate
        Whether the matrices are estimates (set by :meth:`with_approximate_matrices`).

    Raises
    ------
    InvalidInputError, ProblemError
        On a malformed matrix, a duplicate or unknown id, a demand above every
        capacity, or a required stop that no vehicle can reach within its shift.
    """

    depots: tuple[Depot, ...]
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    duration_s: IntMatrix
    distance_m: IntMatrix
    approximate: bool = False
    index: dict[str, int] = field(init=False, repr=False)
    #: Number of load dimensions (:data:`LOAD_DIMENSIONS`): 1 (kg), 2 (+ volume) or 3 (+ pieces), by what stops use.
    dimensions: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("depots", "vehicles", "stops"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.depots:
            raise ProblemError("depots", "at least one depot is needed")
        if not self.vehicles:
            raise ProblemError("vehicles", "at least one vehicle is needed")
        n = len(self.depots) + len(self.stops)
        object.__setattr__(self, "duration_s", as_matrix("duration_s", self.duration_s, n))
        object.__setattr__(self, "distance_m", as_matrix("distance_m", self.distance_m, n))
        object.__setattr__(self, "index", self._build_index())
        used = [i for i, name in enumerate(LOAD_DIMENSIONS) if any(getattr(s, _DEMAND[name]) for s in self.stops)]
        object.__setattr__(self, "dimensions", max(used, default=0) + 1)
        _validate_references(self)
        for stop in self.stops:
            reason = self.why_unservable(stop.id)
            if reason is not None and stop.required:
                raise ProblemError(f"Stop {stop.id}", reason)

    def _build_index(self) -> dict[str, int]:
        index: dict[str, int] = {}
        items: tuple[Depot | Stop, ...] = (*self.depots, *self.stops)
        for i, item in enumerate(items):
            if item.id in index:
                raise ProblemError("id", f"duplicate id {item.id!r}")
            index[item.id] = i
        vehicle_ids = [v.id for v in self.vehicles]
        for vid in vehicle_ids:
            if vehicle_ids.count(vid) > 1:
                raise ProblemError("Vehicle.id", f"duplicate vehicle id {vid!r}")
        return index

    @classmethod
    def with_approximate_matrices(
        cls,
        depots: Sequence[Depot],
        vehicles: Sequence[Vehicle],
        stops: Sequence[Stop],
        **kwargs: Any,
    ) -> Problem:
        """Build a problem whose matrices come from :func:`approximate_matrices`.

        Every depot and stop needs a ``location``; the result has ``approximate=True``.
        Keyword arguments (``circuity``, ``speed_kmh``) go to :func:`approximate_matrices`.
        """
        points = []
        items: tuple[Depot | Stop, ...] = (*depots, *stops)
        for item in items:
            if item.location is None:
                raise ProblemError(f"{item.id}.location", "needed to estimate travel matrices")
            points.append(item.location)
        duration, distance = approximate_matrices(points, **kwargs)
        return cls(tuple(depots), tuple(vehicles), tuple(stops), duration, distance, approximate=True)

    def depot(self, depot_id: str) -> Depot:
        """The depot with this id."""
        return self.depots[self.index[depot_id]]

    def stop(self, stop_id: str) -> Stop:
        """The stop with this id."""
        return self.stops[self.index[stop_id] - len(self.depots)]

    def item(self, item_id: str) -> Depot | Stop:
        """The depot or stop with this id."""
        i = self.index[item_id]
        return self.depots[i] if i < len(self.depots) else self.stops[i - len(self.depots)]

    def is_depot(self, item_id: str) -> bool:
        """Whether ``item_id`` names a depot."""
        return self.index.get(item_id, len(self.depots)) < len(self.depots)

    def why_unservable(self, stop_id: str) -> str | None:
        """Why no vehicle can serve this stop on its own, or ``None`` if one can."""
        stop = self.stop(stop_id)
        dims = self.dimensions
        need = demand_vector(stop, dims)
        fitting = [v for v in self.vehicles if all(d <= c for d, c in zip(need, v.capacity(dims), strict=True))]
        if not fitting:
            names = ", ".join(LOAD_DIMENSIONS[:dims])
            largest = tuple(max(c) for c in zip(*(v.capacity(dims) for v in self.vehicles), strict=True))
            return f"demand {need} ({names}) above every vehicle capacity (largest {largest})"
        reasons = [self._timing_problem(v, stop) for v in fitting]
        if all(reasons):
            return f"{reasons[0]} (vehicle {fitting[0].id!r})"
        return None

    def _timing_problem(self, vehicle: Vehicle, stop: Stop) -> str | None:
        s, e, i = self.index[vehicle.start_depot], self.index[vehicle.end], self.index[stop.id]
        leave_from, _ = start_window(self, vehicle)
        depart = leave_from + self.depots[s].service_s
        arrival = depart + int(self.duration_s[s, i])
        window = stop.window or TimeWindow(0, _DAY_S)
        if arrival > window.end_s:
            return f"time window {window.start_s}-{window.end_s} s unreachable: earliest arrival {arrival} s"
        leave = max(arrival, window.start_s) + stop.service_s
        back = leave + int(self.duration_s[i, e])
        if vehicle.end_empty:
            backs = self._via_unload(vehicle, i, leave)
            if not backs:
                return f"no unload site of {vehicle.id!r} is still open when it could get there"
            back = min(backs)
        latest = end_limit(self, vehicle)
        if back > latest:
            return f"cannot return to {vehicle.end!r} by {latest} s (earliest return {back} s)"
        shortest = back - leave + stop.service_s + arrival - leave_from
        if vehicle.max_duration_s is not None and shortest > vehicle.max_duration_s:
            return f"round of at least {shortest} s exceeds max_duration_s {vehicle.max_duration_s}"
        return None

    def _via_unload(self, vehicle: Vehicle, row: int, leave: int) -> list[int]:
        """Earliest return to the end depot through each open unload site, leaving ``row`` at ``leave``."""
        e, backs = self.index[vehicle.end], []
        for site_id in vehicle.reload_depots:
            p, site = self.index[site_id], self.depot(site_id)
            arrive = leave + int(self.duration_s[row, p])
            opening = site.opening or TimeWindow(0, _DAY_S)
            if arrive <= opening.end_s:
                backs.append(max(arrive, opening.start_s) + site.service_s + int(self.duration_s[p, e]))
        return backs


def start_window(problem: Problem, vehicle: Vehicle) -> tuple[int, int]:
    """Earliest and latest departure of ``vehicle``: its shift within the start depot's opening."""
    shift = vehicle.shift or TimeWindow(0, _DAY_S)
    opening = problem.depot(vehicle.start_depot).opening or TimeWindow(0, _DAY_S)
    return max(shift.start_s, opening.start_s), min(shift.end_s, opening.end_s)


def end_limit(problem: Problem, vehicle: Vehicle) -> int:
    """Latest return of ``vehicle``: end of its shift and of the end depot's opening."""
    shift = vehicle.shift or TimeWindow(0, _DAY_S)
    opening = problem.depot(vehicle.end).opening or TimeWindow(0, _DAY_S)
    return min(shift.end_s, opening.end_s)


def _validate_references(problem: Problem) -> None:
    for v in problem.vehicles:
        for role, depot_id in (
            ("start_depot", v.start_depot),
            ("end_depot", v.end),
            *(("reload_depots", r) for r in v.reload_depots),
        ):
            if not problem.is_depot(depot_id):
                known = ", ".join(d.id for d in problem.depots)
                raise ProblemError(f"Vehicle {v.id}.{role}", f"unknown depot {depot_id!r} (known: {known})")
        early, late = start_window(problem, v)
        if early > late or early > end_limit(problem, v):
            raise ProblemError(f"Vehicle {v.id}.shift", "does not overlap the opening hours of its depots")
