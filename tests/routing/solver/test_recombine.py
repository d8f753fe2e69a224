"""Recombining the trips a search has seen: the set-partitioning model, the chaining and the solve that uses them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import pyvrp

from routing.model import Depot, Stop, TimeWindow, Vehicle
from routing.solver import recombine
from routing.solver.pyvrp_backend import to_pyvrp
from routing.solver.pyvrp_search import outcome_of
from routing.solver.recombine import Recombiner, TripPool, chain, choose
from tests.routing.solver.conftest import checked_solve, line_problem
from tests.routing.solver.test_budget_and_fleet import two_trips_problem


def every_trip(data: pyvrp.ProblemData) -> TripPool:
    """A pool of every trip of every vehicle type: all orders of all sets of clients, from and to every site."""
    pool = TripPool(data)
    for k, t in enumerate(data.vehicle_types()):
        for size in range(1, data.num_clients + 1):
            for seq in itertools.permutations(range(data.num_clients), size):
                for first, last in itertools.product((True, False), repeat=2):
                    for start in [t.start_depot] if first else t.reload_depots:
                        for end in [t.end_depot] if last else t.reload_depots:
                            pool.add(k, first, last, start, end, seq)
    return pool


def cost(data: pyvrp.ProblemData, routes: list[pyvrp.Route] | None) -> int:
    assert routes is not None
    feasible, value, _ = outcome_of(pyvrp.Solution(data, routes))
    assert feasible
    return value


def one_truck_optimum(data: pyvrp.ProblemData) -> int:
    """Brute force over the orders of the clients, the reloads between them and their sites (one vehicle)."""
    t = data.vehicle_type(0)
    dist = data.distance_matrix(0)
    loc = [c.location for c in data.clients()]
    depot = [d.location for d in data.depots()]
    demand = [c.pickup[0] for c in data.clients()]
    best = None
    for order in itertools.permutations(range(data.num_clients)):
        for cuts in itertools.product((None, *t.reload_depots), repeat=data.num_clients - 1):
            load, total, here = 0, 0, depot[t.start_depot]
            ok = True
            for i, c in enumerate(order):
                total += int(dist[here, loc[c]])
                load += demand[c]
                here = loc[c]
                ok = ok and load <= t.capacity[0]
                if i < len(cuts) and cuts[i] is not None:
                    total += int(dist[here, depot[cuts[i]]])
                    here, load = depot[cuts[i]], 0
            total += int(dist[here, depot[t.end_depot]])
            if ok and (best is None or total < best):
                best = total
    assert best is not None
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recombining_every_trip_gives_the_optimum_of_a_truck_with_reloads(seed: int) -> None:
    # Five bins of 1-3 kg on a line, a 5 kg truck that unloads at either of two plants and ends empty: with every
    # possible trip in the pool, the model and the chaining give the brute-force optimum.
    rng = np.random.default_rng(seed)
    positions = [0, 40, -35, *rng.integers(-50, 51, 5).tolist()]
    stops = [Stop(f"s{i}", demand_kg=int(rng.integers(1, 4))) for i in range(5)]
    truck = Vehicle("t", "G", 5, reload_depots=("P1", "P2"), end_empty=True)
    mapped = to_pyvrp(line_problem(positions, stops, [truck], [Depot("G"), Depot("P1"), Depot("P2")]))
    picked = choose(mapped.data, list(every_trip(mapped.data).trips.values()), 30.0)
    assert picked is not None
    assert cost(mapped.data, chain(mapped.data, picked)) == one_truck_optimum(mapped.data)


def test_a_truck_without_a_shift_is_recombined() -> None:
    # PyVRP's own vehicle type without a shift or time window has the largest 64-bit integer as its limits, which
    # the model leaves out (as coefficients they made HiGHS return no plan at all).
    xs = [0, 40, -35, 10, 20, -20, 30, -10]
    matrix = np.abs(np.subtract.outer(xs, xs))
    truck = pyvrp.VehicleType(1, [5], reload_depots=[1, 2])
    clients = [pyvrp.Client(3 + i, pickup=[kg]) for i, kg in enumerate([2, 3, 1, 2, 3])]
    locations = [pyvrp.Location(x, 0) for x in xs]
    depots = [pyvrp.Depot(0), pyvrp.Depot(1), pyvrp.Depot(2)]
    data = pyvrp.ProblemData(locations, clients, depots, [truck], [matrix], [matrix])
    assert truck.shift_duration > recombine.UNLIMITED
    picked = choose(data, list(every_trip(data).trips.values()), 30.0)
    assert picked is not None and cost(data, chain(data, picked)) == one_truck_optimum(data)


def test_an_empty_pool_gives_no_plan_and_no_error() -> None:
    # Seen in the workers' logs: a search whose best plan has no route (every stop optional and left out) started
    # a model over no trips, and SciPy refused the empty cost vector in the model's thread.
    xs = [0, 40, -35]
    matrix = np.abs(np.subtract.outer(xs, xs))
    truck = pyvrp.VehicleType(1, [5], reload_depots=[0])
    data = pyvrp.ProblemData(
        [pyvrp.Location(x, 0) for x in xs],
        [pyvrp.Client(1 + i, pickup=[1], required=False, prize=0) for i in range(2)],
        [pyvrp.Depot(0)],
        [truck],
        [matrix],
        [matrix],
    )
    assert choose(data, [], 1.0) is None
    recombiner = Recombiner(data)
    empty = pyvrp.Solution(data, [])
    recombiner.start(data, empty, 1.0)
    assert recombiner.take(data, empty, wait_s=5.0) is empty


def test_two_trucks_are_used_when_one_would_work_past_its_shift() -> None:
    # two_trips_problem: one truck with a reload costs 88 (and takes 88 s), two trucks 114 (60 s and 54 s).
    free = to_pyvrp(two_trips_problem())
    picked = choose(free.data, list(every_trip(free.data).trips.values()), 30.0)
    assert picked is not None and cost(free.data, chain(free.data, picked)) == 88
    short = to_pyvrp(two_trips_problem(shift=TimeWindow(0, 70)))
    picked = choose(short.data, list(every_trip(short.data).trips.values()), 30.0)
    routes = chain(short.data, picked or [])
    assert cost(short.data, routes) == 114 and routes is not None and len(routes) == 2


def test_a_trip_between_plants_that_no_truck_reaches_is_refused() -> None:
    # One truck; G 0, P1 27, P2 -30, bins a -6, b -2, c 16, d 20. Trips in the pool: G-c-d-end (54), P2-a-b-P2 (56),
    # G-c-d-P1 (27) and P1-b-a-end (87). The cheapest cover, 54 + 56 = 110, balances the flow at P2, but no truck
    # ever gets to P2: the model must take G-c-d-P1-b-a-end, 114.
    mapped = to_pyvrp(two_trips_problem(count=1))
    data = mapped.data
    client = {s.id: k for k, s in enumerate(mapped.stops)}
    end = data.vehicle_type(0).end_depot
    pool = TripPool(data)
    for first, last, start, stop, ids in [
        (True, True, 0, end, "cd"),
        (False, False, 2, 2, "ab"),
        (True, False, 0, 1, "cd"),
        (False, True, 1, end, "ba"),
    ]:
        pool.add(0, first, last, start, stop, tuple(client[i] for i in ids))
    trips = list(pool.trips.values())
    assert sorted(t.distance for t in trips) == [27, 54, 56, 87]
    picked = choose(data, trips, 30.0)
    assert picked is not None and sorted(t.distance for t in picked) == [27, 87]
    assert cost(data, chain(data, picked)) == 114


def test_the_recombiner_takes_its_plan_only_when_it_is_cheaper() -> None:
    mapped = to_pyvrp(two_trips_problem())
    data = mapped.data
    client = {s.id: k for k, s in enumerate(mapped.stops)}

    def route(*ids: str) -> pyvrp.Route:
        return pyvrp.Route(data, [pyvrp.Activity(pyvrp.ActivityType.CLIENT, client[i]) for i in ids], 0)

    two_trucks = pyvrp.Solution(data, [route("b", "a"), route("c", "d")])  # 114
    rec = Recombiner(data)
    rec.pool = every_trip(mapped.data)
    rec.start(data, two_trucks, 30.0)
    better = rec.take(data, two_trucks, wait_s=30.0)
    assert outcome_of(better)[:2] == (True, 88)
    rec.start(data, better, 30.0)
    assert rec.take(data, better, wait_s=30.0) is better  # nothing cheaper than the optimum


def test_problems_without_reloads_with_windows_or_large_are_not_recombined() -> None:
    stops = [Stop("a", demand_kg=3), Stop("b", demand_kg=4)]
    depots = [Depot("G"), Depot("P1")]
    reloads = Vehicle("t", "G", 10, reload_depots=("P1",), end_empty=True)
    assert recombine.eligible(to_pyvrp(line_problem([0, 5, 1, 2], stops, [reloads], depots)).data)
    plain = Vehicle("t", "G", 10)
    assert not recombine.eligible(to_pyvrp(line_problem([0, 5, 1, 2], stops, [plain], depots)).data)
    windowed = [stops[0], Stop("b", demand_kg=4, window=TimeWindow(0, 3))]
    assert not recombine.eligible(to_pyvrp(line_problem([0, 5, 1, 2], windowed, [reloads], depots)).data)
    many = [Stop(f"s{i}", demand_kg=1) for i in range(recombine.MAX_CLIENTS + 1)]
    positions = [0, 5, *range(1, len(many) + 1)]
    assert not recombine.eligible(to_pyvrp(line_problem(positions, many, [reloads], depots)).data)


def test_a_solve_under_a_time_limit_recombines_and_its_plan_passes_the_checker() -> None:
    # Without an iteration limit the passes are cut into segments and recombined; the plan is the optimum (88).
    plan = checked_solve(two_trips_problem(), max_iterations=None, time_limit_s=2.5)
    assert plan.cost == 88 and len(plan.routes) == 1


def test_a_full_pool_lets_the_trips_seen_longest_ago_go(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recombine, "MAX_POOL_TRIPS", 3)
    mapped = to_pyvrp(two_trips_problem())
    pool = TripPool(mapped.data)
    for seq in [(0,), (1,), (2,)]:
        pool.add(0, True, True, 0, mapped.data.vehicle_type(0).end_depot, seq)
    pool.add(0, True, True, 0, mapped.data.vehicle_type(0).end_depot, (0,))  # seen again: now the newest
    pool.add(0, True, True, 0, mapped.data.vehicle_type(0).end_depot, (3,))
    assert sorted(t.clients for t in pool.trips.values()) == [(0,), (2,), (3,)]
