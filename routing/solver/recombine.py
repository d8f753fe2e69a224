"""Recombining the trips a search has seen: set partitioning over a pool of trips.

On a day of 20-50 bins with reloads, one search of a few seconds stops in a local
optimum whose trips are each good but do not fit together as well as trips seen
in other plans of the same search (the bins shared out between the trips
differently). While the search runs, :class:`TripPool` keeps every trip of the
plans it looks at that are close to its best (within :data:`POOL_WINDOW`).
:class:`Recombiner` chooses, in a thread beside the search, the cheapest set of
trips that visits every required client once: a set-partitioning model solved
with SciPy's MILP solver (HiGHS, which runs without holding the GIL, so the
search goes on on the other core). The trips are then chained into one route per
vehicle. The model counts, per vehicle type: the vehicles used (first trips),
that every trip from a reload site starts where another trip ended, and the
duration and number of trips of all its vehicles together; the chaining checks
them per vehicle. The search of one worker is cut into segments of
:data:`SEGMENT_S`; at the end of each, the last model's plan is taken when PyVRP
finds it feasible and cheaper, the search goes on from the better plan, and a
new model starts over the grown pool. Measured in ``benchmarks/README.md``
("Unload days at 5 s") and ``docs/decisions.md`` (2026-12-06).
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from routing.solver.pyvrp_search import has_windows, outcome_of, rank

#: Problems with more clients are not recombined: the model and its pool grow with them.
MAX_CLIENTS = 200
#: Most trips in a pool: beyond, the trips seen longest ago leave it (the model's time grows with them:
#: 0.75 s at the root node on 833 trips).
MAX_POOL_TRIPS = 1_500
#: Plans whose penalised cost is within this factor of the search's best give their trips to the pool.
POOL_WINDOW = 1.05
#: Seconds before the end of the solve at which a model's time runs out (HiGHS may run a little past it).
END_MARGIN_S = 0.35
#: Seconds before the end of the solve until which the end of the solve waits for a model.
WAIT_MARGIN_S = 0.05
#: Shortest time limit with which a model is started (seconds).
MIN_MODEL_S = 0.3
#: Seconds between two recombinations: a search of one worker is cut into segments this long; at the end of
#: each the last model's plan is taken when it is better, the next segment searches on from the better plan,
#: and a new model starts over the pool.
SEGMENT_S = 1.0
#: Rounds of the model at most: each adds a constraint against trips stranded at reload sites.
MAX_ROUNDS = 10
#: Relative gap at which the model's solver stops (the gains sought are of a few tenths of a per cent).
MILP_GAP = 1e-3
#: Durations from this on count as no limit (PyVRP's default shift is the largest 64-bit integer).
UNLIMITED = 2**53
#: Most assignments of trips to vehicles tried when chaining them into routes.
MAX_CHAINING_STEPS = 5_000


@dataclass(frozen=True)
class Trip:
    """A trip of a vehicle type: from ``start`` to ``end`` (depot indices) through ``clients``.

    ``first``: the route's first trip (it leaves the start depot); ``last``: its last
    (it ends at the end depot). ``distance`` and ``duration`` (travel and service,
    an unload at ``end`` included when it is not the last trip) are those of the
    cheapest order of these clients seen.
    """

    vehicle_type: int
    first: bool
    last: bool
    start: int
    end: int
    clients: tuple[int, ...]
    distance: int
    duration: int


def duration_limit(t: pyvrp.VehicleType) -> int:
    """Longest time a vehicle of type ``t`` may take: its shift or its time window, the shorter."""
    return int(min(t.shift_duration, t.tw_late - t.tw_early))


def eligible(data: pyvrp.ProblemData) -> bool:
    """Whether ``data`` is a problem recombination serves: some vehicle may reload, at most
    :data:`MAX_CLIENTS` clients, none with a time window or in a group, no shipments."""
    return (
        0 < data.num_clients <= MAX_CLIENTS
        and data.num_groups == 0
        and data.num_shipments == 0
        and any(t.reload_depots for t in data.vehicle_types())
        and not has_windows(data)
    )


class TripPool:
    """The trips of the plans a search looks at, each client set kept in its cheapest order."""

    def __init__(self, data: pyvrp.ProblemData) -> None:
        self.num_clients, self.num_depots = data.num_clients, data.num_depots
        clients = data.clients()
        self._loc = [c.location for c in clients]
        self._pickup = np.array([c.pickup for c in clients], dtype=np.int64)
        self._delivery = np.array([c.delivery for c in clients], dtype=np.int64)
        self._service = [c.service_duration for c in clients]
        depots = data.depots()
        self._depot_loc = [d.location for d in depots]
        self._depot_service = [d.service_duration for d in depots]
        self._capacity = [np.array(t.capacity, dtype=np.int64) for t in data.vehicle_types()]
        self._matrices = [
            (data.distance_matrix(t.profile), data.duration_matrix(t.profile)) for t in data.vehicle_types()
        ]
        self.trips: dict[tuple[Any, ...], Trip] = {}

    def fits(self, data: pyvrp.ProblemData) -> bool:
        """Whether the pool's trips are trips of ``data`` (same clients, depots and vehicle types)."""
        return (data.num_clients, data.num_depots, data.num_vehicle_types) == (
            self.num_clients,
            self.num_depots,
            len(self._capacity),
        )

    def offer(self, solution: pyvrp.Solution) -> None:
        """Add the trips of ``solution``'s routes."""
        for route in solution.routes():
            k = route.vehicle_type()
            trips: list[tuple[int, int, list[int]]] = []
            start, visits = route.start_depot(), list[int]()
            for act in list(route.schedule())[1:]:
                if act.type == pyvrp.ActivityType.DEPOT:
                    trips.append((start, act.idx, visits))
                    start, visits = act.idx, []
                else:
                    visits.append(act.idx)
            for i, (s, e, seq) in enumerate(trips):
                if seq:
                    self.add(k, i == 0, i == len(trips) - 1, s, e, tuple(seq))

    def add(self, k: int, first: bool, last: bool, start: int, end: int, seq: tuple[int, ...]) -> None:
        """Add the trip of vehicle type ``k`` from depot ``start`` through clients ``seq`` to depot ``end``
        (``first``/``last``: the route's first/last trip), unless it is over capacity or a cheaper order
        of the same clients is known."""
        key = (k, first, last, start, end, frozenset(seq))
        old = self.trips.get(key)
        if old is not None and old.clients == seq:
            self.trips[key] = self.trips.pop(key)  # seen again: the newest
            return
        idx = list(seq)
        load = self._delivery[idx].sum(axis=0) + np.cumsum(self._pickup[idx] - self._delivery[idx], axis=0)
        if (self._delivery[idx].sum(axis=0) > self._capacity[k]).any() or (load > self._capacity[k]).any():
            return
        dist, dur = self._matrices[k]
        locs = [self._depot_loc[start], *(self._loc[c] for c in seq), self._depot_loc[end]]
        distance = int(sum(int(dist[a, b]) for a, b in itertools.pairwise(locs)))
        duration = int(sum(int(dur[a, b]) for a, b in itertools.pairwise(locs)))
        duration += sum(self._service[c] for c in seq) + (0 if last else self._depot_service[end])
        if old is None or distance < old.distance:
            self.trips.pop(key, None)
            self.trips[key] = Trip(k, first, last, start, end, seq, distance, duration)
            while len(self.trips) > MAX_POOL_TRIPS:  # the trips seen longest ago go
                del self.trips[next(iter(self.trips))]

    def callbacks(self) -> pyvrp.IteratedLocalSearchCallbacks:
        """ILS callbacks that offer the pool every candidate close to the best (:data:`POOL_WINDOW`)."""
        pool = self

        class Offer(pyvrp.IteratedLocalSearchCallbacks):
            def on_iteration(self, current: Any, candidate: Any, best: Any, evaluator: Any) -> None:
                if evaluator.penalised_cost(candidate) <= POOL_WINDOW * evaluator.penalised_cost(best):
                    pool.offer(candidate)

        return Offer()


def choose(data: pyvrp.ProblemData, trips: list[Trip], time_limit_s: float) -> list[Trip] | None:
    """The cheapest set of ``trips`` that partitions the required clients, or ``None`` (none within the
    time, or the model could not avoid trips stranded at reload sites)."""
    if not trips:  # an empty plan offers none (every stop optional and left out): nothing to recombine
        return None
    began = time.monotonic()
    model = _Model(data, trips)
    for _ in range(MAX_ROUNDS):
        left = time_limit_s - (time.monotonic() - began)
        if left <= 0:
            return None
        x = model.solve(left)
        if x is None:
            return None
        picked = [t for t, v in zip(trips, x, strict=True) if v > 0.5]
        stranded = _stranded(picked)
        if not stranded:
            return picked
        model.require_entry(stranded[0], picked)
    return None


class Recombiner:
    """A :class:`TripPool` and the set-partitioning model over it, run in a thread beside the search.

    :meth:`start` begins a model over the pool as it is (one at a time); :meth:`take` returns the
    best solution so far, or the model's plan when it has one that is feasible and cheaper.
    """

    def __init__(self, data: pyvrp.ProblemData) -> None:
        self.pool = TripPool(data)
        self._thread: threading.Thread | None = None
        self._chosen: list[Trip] | None = None

    def start(self, data: pyvrp.ProblemData, best: pyvrp.Solution, time_limit_s: float) -> None:
        """Offer ``best``'s trips and start a model over the pool (unless one is running), for at most
        ``time_limit_s`` seconds."""
        self.pool.offer(best)
        if (self._thread is not None and self._thread.is_alive()) or time_limit_s < MIN_MODEL_S:
            return
        trips = list(self.pool.trips.values())
        # Not a daemon: HiGHS cannot be interrupted, and a process that exits while it runs aborts. Its time
        # limit ends it within the solve's budget; a solve that ends first (cancelled, or HiGHS late) returns
        # without it, and the thread ends by itself shortly after.
        self._thread = threading.Thread(target=self._run, args=(data, trips, time_limit_s))
        self._thread.start()

    def _run(self, data: pyvrp.ProblemData, trips: list[Trip], time_limit_s: float) -> None:
        self._chosen = choose(data, trips, time_limit_s)

    def take(self, data: pyvrp.ProblemData, best: pyvrp.Solution, wait_s: float = 0.0) -> pyvrp.Solution:
        """``best``, or the plan of the last model that ended (waiting up to ``wait_s`` for a running one)
        when it is a feasible solution of ``data`` and cheaper."""
        if self._thread is not None:
            self._thread.join(max(wait_s, 0.0))
            if self._thread.is_alive():
                return best
            self._thread = None
        chosen, self._chosen = self._chosen, None
        if chosen is None:
            return best
        try:
            routes = chain(data, chosen)
            found = None if routes is None else pyvrp.Solution(data, routes)
        except (ValueError, IndexError, RuntimeError):  # e.g. more routes than this pass's fleet
            return best
        if found is None or rank(outcome_of(found)) >= rank(outcome_of(best)):
            return best
        return found


class SegmentStop:
    """Stopping criterion around ``stop`` that also ends the search at ``end`` on the log's clock
    (``segment_over`` then tells that the segment, not ``stop``, ended it)."""

    def __init__(self, stop: Any, end: float) -> None:
        self.stop, self.end, self.segment_over = stop, end, False

    def __call__(self, best_cost: int) -> bool:
        if self.stop(best_cost):
            return True
        self.segment_over = self.stop.log.deadline.clock() >= self.end
        return self.segment_over

    def fraction(self) -> float:
        """Share of the whole pass used so far (``stop``'s), not of the segment."""
        return float(self.stop.fraction())


class _Model:
    """The set-partitioning model over ``trips`` (one binary variable per trip)."""

    def __init__(self, data: pyvrp.ProblemData, trips: list[Trip]) -> None:
        self.trips = trips
        types = data.vehicle_types()
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        nc = data.num_clients
        lower = [1.0 if c.required else 0.0 for c in data.clients()]
        upper = [1.0] * nc
        # Rows after the clients: per vehicle type, one per reload site (flow), vehicles, duration, trips.
        site_row: dict[tuple[int, int], int] = {}
        type_rows: list[tuple[int, int, int]] = []
        for k, t in enumerate(types):
            for p in t.reload_depots:
                site_row[k, p] = len(lower)
                lower.append(0.0)
                upper.append(0.0)
            base = len(lower)
            lower += [0.0, -np.inf, -np.inf]
            upper += [float(t.num_available), 0.0, 0.0]
            type_rows.append((base, base + 1, base + 2))
        cost = np.zeros(len(trips))
        for j, trip in enumerate(trips):
            t = types[trip.vehicle_type]
            vehicles, duration_row, trips_row = type_rows[trip.vehicle_type]
            limit = duration_limit(t)
            most = t.max_reloads + 1 if t.max_reloads < len(trips) else len(trips)
            entries = [(c, 1.0) for c in trip.clients] + [(trips_row, 1.0)]
            if limit < UNLIMITED:  # PyVRP's "no limit" is the largest integer, too large for the solver
                entries.append((duration_row, float(trip.duration)))
            if trip.first:
                entries += [(vehicles, 1.0), (trips_row, -float(most))]
                if limit < UNLIMITED:
                    entries.append((duration_row, -float(limit)))
            else:
                entries.append((site_row[trip.vehicle_type, trip.start], -1.0))
            if not trip.last:
                entries.append((site_row[trip.vehicle_type, trip.end], 1.0))
            for r, v in entries:
                rows.append(r)
                cols.append(j)
                vals.append(v)
            prizes = sum(data.client(c).prize for c in trip.clients)
            cost[j] = (
                t.unit_distance_cost * trip.distance
                + t.unit_duration_cost * trip.duration
                + (t.fixed_cost if trip.first else 0)
                - prizes
            )
        self.cost = cost
        self.constraints = [
            LinearConstraint(coo_matrix((vals, (rows, cols)), shape=(len(lower), len(trips))).tocsr(), lower, upper)
        ]

    def solve(self, time_limit_s: float) -> np.ndarray | None:
        n = len(self.trips)
        res = milp(
            self.cost,
            constraints=self.constraints,
            integrality=np.ones(n),
            bounds=Bounds(0, 1),
            options={"time_limit": time_limit_s, "mip_rel_gap": MILP_GAP},
        )
        return None if res.x is None else np.asarray(res.x)

    def require_entry(self, stranded: Trip, picked: list[Trip]) -> None:
        """Constraint: if ``stranded`` is used, some trip of its vehicle type comes into the reload sites
        that ``picked``'s middle trips join it to, from outside them (so that a vehicle can reach it)."""
        sites = _component(stranded, picked)
        row = np.zeros(len(self.trips))
        for j, t in enumerate(self.trips):
            enters = t.end in sites and (t.first or t.start not in sites)
            if t.vehicle_type == stranded.vehicle_type and not t.last and enters:
                row[j] += 1.0
        row[self.trips.index(stranded)] -= 1.0
        self.constraints.append(LinearConstraint(row[None, :], 0.0, np.inf))


def _stranded(picked: list[Trip]) -> list[Trip]:
    """Middle trips (neither first nor last) that no vehicle's chain of trips can reach."""
    stranded = []
    for k in {t.vehicle_type for t in picked}:
        mine = [t for t in picked if t.vehicle_type == k]
        reach = {t.end for t in mine if t.first and not t.last}
        grew = True
        while grew:
            grew = False
            for t in mine:
                if not t.first and t.start in reach and not t.last and t.end not in reach:
                    reach.add(t.end)
                    grew = True
        stranded += [t for t in mine if not t.first and t.start not in reach]
    return stranded


def _component(trip: Trip, picked: list[Trip]) -> set[int]:
    """The reload sites joined to ``trip``'s start by middle trips of its vehicle type in ``picked``."""
    middle = [t for t in picked if t.vehicle_type == trip.vehicle_type and not t.first and not t.last]
    sites, grew = {trip.start}, True
    while grew:
        grew = False
        for t in middle:
            if (t.start in sites) != (t.end in sites):
                sites |= {t.start, t.end}
                grew = True
    return sites


def chain(data: pyvrp.ProblemData, picked: list[Trip]) -> list[pyvrp.Route] | None:
    """``picked`` as one route per vehicle: each route's first trip, trips that go on from where the
    previous one ended, and its last trip, within the vehicle's duration and trips; ``None`` when no
    assignment of trips to vehicles is found in :data:`MAX_CHAINING_STEPS`."""
    routes: list[pyvrp.Route] = []
    for k in sorted({t.vehicle_type for t in picked}):
        t = data.vehicle_type(k)
        mine = [trip for trip in picked if trip.vehicle_type == k]
        firsts = [trip for trip in mine if trip.first]
        others = sorted((trip for trip in mine if not trip.first), key=lambda trip: -trip.duration)
        limit = duration_limit(t)
        most = t.max_reloads + 1 if t.max_reloads < len(mine) else len(mine)
        found = _assign(firsts, others, limit, most)
        if found is None:
            return None
        for trips in found:
            acts: list[pyvrp.Activity] = []
            for i, trip in enumerate(trips):
                if i > 0:
                    acts.append(pyvrp.Activity(pyvrp.ActivityType.DEPOT, trip.start))
                acts += [pyvrp.Activity(pyvrp.ActivityType.CLIENT, c) for c in trip.clients]
            routes.append(pyvrp.Route(data, acts, k))
    return routes


def _assign(firsts: list[Trip], others: list[Trip], limit: int, most: int) -> list[list[Trip]] | None:
    """Trips per vehicle (one vehicle per first trip), each a valid chain; depth-first with pruning."""
    groups = [[f] for f in firsts]
    durations = [f.duration for f in firsts]
    closed = [f.last for f in firsts]
    steps = 0

    def place(i: int) -> list[list[Trip]] | None:
        nonlocal steps
        steps += 1
        if steps > MAX_CHAINING_STEPS:
            return None
        if i == len(others):
            if not all(closed):
                return None
            chains = [_order(g) for g in groups]
            return None if any(c is None for c in chains) else [c for c in chains if c is not None]
        trip = others[i]
        for v, group in enumerate(groups):
            if (closed[v] and trip.last) or len(group) >= most or durations[v] + trip.duration > limit:
                continue
            if closed[v] and group[0].last:  # a single-trip route takes nothing more
                continue
            group.append(trip)
            durations[v] += trip.duration
            was = closed[v]
            closed[v] = was or trip.last
            got = place(i + 1)
            if got is not None:
                return got
            group.pop()
            durations[v] -= trip.duration
            closed[v] = was
        return None

    return place(0)


def _order(group: list[Trip]) -> list[Trip] | None:
    """The trips of one vehicle in an order that chains them (first, ..., last), or ``None``."""
    first, rest = group[0], group[1:]
    if first.last:
        return [first] if not rest else None
    lasts = [t for t in rest if t.last]
    middle = [t for t in rest if not t.last]
    if len(lasts) != 1:
        return None
    out: dict[int, list[Trip]] = {}
    for t in middle:
        out.setdefault(t.start, []).append(t)
    path: list[Trip] = []

    def walk(site: int) -> None:  # Hierholzer: an Euler trail through the middle trips
        while out.get(site):
            t = out[site].pop()
            walk(t.end)
            path.append(t)

    walk(first.end)
    path.reverse()
    trail = [first, *path, lasts[0]]
    if len(path) != len(middle) or any(a.end != b.start for a, b in itertools.pairwise(trail)):
        return None
    return trail


def with_callbacks(params: pyvrp.SolveParams, callbacks: pyvrp.IteratedLocalSearchCallbacks) -> pyvrp.SolveParams:
    """``params`` whose iterated local search reports to ``callbacks``."""
    return pyvrp.SolveParams(
        dataclasses.replace(params.ils, callbacks=callbacks),
        params.penalty,
        params.neighbourhood,
        params.operators,
        params.display_interval,
        params.perturbation,
    )
