"""Each constraint on a tiny instance whose optimum is known by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from routing.checker import check_plan, replay
from routing.errors import ProblemError
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.plan import Plan, Route
from tests.routing.solver.conftest import checked_solve, line_problem


def test_capacity_forces_two_routes(truck: Vehicle) -> None:
    # a at -10 and b at +10... one route 10+20+10 = 40 would carry 12 kg > 10.
    problem = line_problem([0, 10, 15], [Stop("a", demand_kg=6), Stop("b", demand_kg=6)], [truck])
    plan = checked_solve(problem)
    assert sorted(r.stop_ids for r in plan.routes) == [("a",), ("b",)]
    assert plan.cost == 20 + 30
    assert max(v.load_kg for r in plan.routes for v in r.visits) == 6


def test_one_route_when_capacity_allows(truck: Vehicle) -> None:
    problem = line_problem([0, 10, 15], [Stop("a", demand_kg=5), Stop("b", demand_kg=5)], [truck])
    plan = checked_solve(problem)
    assert len(plan.routes) == 1 and plan.cost == 30
    assert [v.load_kg for v in plan.routes[0].visits] == [0, 5, 10, 0]


def test_time_window_forces_order() -> None:
    # a (10 m out) only from 35 s, b (20 m out) by 25 s: b must come first, then wait at a.
    stops = [Stop("a", window=TimeWindow(35, 50)), Stop("b", window=TimeWindow(0, 25))]
    problem = line_problem([0, 10, 20], stops, [Vehicle("van", "plant", 10, shift=TimeWindow(0, 100))])
    plan = checked_solve(problem)
    route = plan.routes[0]
    assert route.stop_ids == ("b", "a")
    visit_a = route.visits[2]
    assert (visit_a.arrival_s, visit_a.start_s) == (visit_a.start_s - visit_a.wait_s, 35)
    assert route.end_s <= 100


def test_shift_limit_forces_second_vehicle() -> None:
    # Serving both in one round takes 40 s; max_duration_s 25 allows one stop per round.
    van = Vehicle("van", "plant", 100, count=2, max_duration_s=25)
    problem = line_problem([0, -10, 10], [Stop("a"), Stop("b")], [van])
    plan = checked_solve(problem)
    assert len(plan.routes) == 2
    assert all(r.duration_s <= 25 for r in plan.routes)


def test_a_vehicle_without_shift_still_returns_within_the_week_the_checker_allows() -> None:
    # No shift and no opening: a round must still end by the model's horizon of one week (604,800 s). a and b
    # are 250,000 s out and 150,000 s apart: one round through both would end at 650,000 s, so each gets its own.
    van = Vehicle("van", "plant", 100, count=2)
    matrix = np.array([[0, 250_000, 250_000], [250_000, 0, 150_000], [250_000, 150_000, 0]])
    problem = Problem((Depot("plant"),), (van,), (Stop("a"), Stop("b")), matrix, matrix)
    plan = checked_solve(problem)
    assert sorted(r.stop_ids for r in plan.routes) == [("a",), ("b",)]
    assert plan.cost == 1_000_000


def test_shift_end_checked_with_service_times() -> None:
    van = Vehicle("van", "plant", 100, count=2, shift=TimeWindow(0, 30))
    problem = line_problem([0, 5, 6], [Stop("a", service_s=10), Stop("b", service_s=10)], [van])
    plan = checked_solve(problem)
    assert len(plan.routes) == 2 and all(r.end_s <= 30 for r in plan.routes)


def test_reload_lets_one_truck_do_two_trips() -> None:
    truck = Vehicle("truck", "plant", 10, reload_depots=("plant",), max_reloads=1)
    problem = line_problem(
        [0, 10, 12], [Stop("a", demand_kg=6), Stop("b", demand_kg=6)], [truck], [Depot("plant", service_s=5)]
    )
    plan = checked_solve(problem)
    (route,) = plan.routes
    assert [v.kind for v in route.visits] == ["depot", "stop", "reload", "stop", "depot"]
    assert route.num_reloads == 1 and plan.cost == 20 + 24
    assert [v.trip for v in route.visits] == [0, 0, 1, 1, 1]
    reload = route.visits[2]
    assert reload.departure_s - reload.start_s == 5  # unloading time at the plant


def test_without_reloads_the_extra_stop_has_no_room() -> None:
    truck = Vehicle("truck", "plant", 10, max_reloads=0, reload_depots=("plant",))
    problem = line_problem([0, 10, 12], [Stop("a", demand_kg=6), Stop("b", demand_kg=6)], [truck])
    plan = checked_solve(problem)
    assert not plan.feasible
    assert [(u.code, "required" in u.reason) for u in plan.unassigned] == [("no_room", True)]


def test_reload_at_second_site() -> None:
    truck = Vehicle("truck", "plant", 10, reload_depots=("hub",))
    depots = [Depot("plant"), Depot("hub")]
    problem = line_problem([0, 20, 10, 30], [Stop("a", demand_kg=6), Stop("b", demand_kg=6)], [truck], depots)
    plan = checked_solve(problem)
    (route,) = plan.routes
    assert [v.id for v in route.visits][::2] == ["plant", "hub", "plant"] and plan.cost == 60


def test_optional_stop_served_only_when_prize_pays() -> None:
    van = Vehicle("van", "plant", 100)
    for prize, served in ((150, True), (50, False)):
        stops = [Stop("near"), Stop("far", required=False, prize=prize)]
        plan = checked_solve(line_problem([0, 5, 50], stops, [van]))
        assert ("far" in plan.served) is served
        assert plan.cost == (100 if served else 10 + prize)
        if not served:
            assert plan.unassigned[0].code == "not_worth_it" and plan.feasible


def test_optional_stop_that_no_vehicle_can_serve_is_infeasible_not_an_error() -> None:
    stops = [Stop("big", demand_kg=50, required=False, prize=10)]
    plan = checked_solve(line_problem([0, 5], stops, [Vehicle("van", "plant", 10)]))
    assert plan.unassigned[0].code == "infeasible" and "capacity" in plan.unassigned[0].reason


def test_mixed_pickup_and_delivery_orders_by_load() -> None:
    # Picking up first would put 12 kg on board; delivering first keeps load <= 10.
    stops = [Stop("p", kind="pickup", demand_kg=6), Stop("d", kind="delivery", demand_kg=6)]
    problem = line_problem([0, 10, 20], stops, [Vehicle("van", "plant", 10)])
    plan = checked_solve(problem)
    route = plan.routes[0]
    assert route.stop_ids == ("d", "p")
    assert [v.load_kg for v in route.visits] == [6, 0, 6, 0]


def test_volume_is_a_second_capacity() -> None:
    stops = [Stop("a", kind="delivery", demand_kg=1, volume=3), Stop("b", kind="delivery", demand_kg=1, volume=3)]
    van = Vehicle("van", "plant", 100, count=2, capacity_volume=4)
    plan = checked_solve(line_problem([0, 10, 11], stops, [van]))
    assert len(plan.routes) == 2 and {v.load for r in plan.routes for v in r.visits} >= {(1, 3)}


def test_pieces_are_a_third_capacity_and_no_limit_in_unset_dimensions() -> None:
    # 2 × 30 pieces exceed the van's 40 pieces though kg and volume (no limit set) would fit.
    stops = [Stop("a", kind="delivery", demand_kg=9, pieces=30), Stop("b", kind="delivery", demand_kg=9, pieces=30)]
    van = Vehicle("van", "plant", 100, count=2, capacity_pieces=40)
    plan = checked_solve(line_problem([0, 10, 11], stops, [van]))
    assert plan.routes[0].visits[0].load == (9, 0, 30)
    assert len(plan.routes) == 2 and problem_dimensions(stops, van) == 3
    roomy = Vehicle("van", "plant", 100, count=2, capacity_pieces=60)
    assert len(checked_solve(line_problem([0, 10, 11], stops, [roomy])).routes) == 1


def problem_dimensions(stops: list[Stop], vehicle: Vehicle) -> int:
    return line_problem([0, 10, 11], stops, [vehicle]).dimensions


def test_dimensions_follow_what_stops_use_and_over_capacity_names_them() -> None:
    van = Vehicle("van", "plant", 100, capacity_volume=5, capacity_pieces=10)
    assert problem_dimensions([Stop("a", demand_kg=1), Stop("b", demand_kg=1)], van) == 1
    with pytest.raises(ProblemError, match=r"\(kg, volume, pieces\) above every vehicle capacity"):
        line_problem([0, 10], [Stop("a", kind="delivery", demand_kg=1, pieces=11)], [van])


def replay_single_route(problem: Problem, vehicle: Vehicle, stop_ids: list[str]) -> Plan:
    steps = [("depot", vehicle.start_depot), *(("stop", i) for i in stop_ids), ("depot", vehicle.end)]
    visits = replay(problem, vehicle, 0, steps)  # type: ignore[arg-type]
    return Plan((Route(f"{vehicle.id}#1", vehicle.id, tuple(visits)),), (), 0, True, False)


def test_checker_rejects_a_route_over_the_pieces_capacity() -> None:
    stops = [Stop("a", kind="delivery", demand_kg=1, pieces=6), Stop("b", kind="delivery", demand_kg=1, pieces=6)]
    van = Vehicle("van", "plant", 100, count=2, capacity_pieces=10)
    problem = line_problem([0, 10, 11], stops, [van])
    plan = checked_solve(problem)
    merged = replay_single_route(problem, van, ["a", "b"])
    assert check_plan(problem, plan).ok
    assert any("outside capacity (100, 1000000000, 10)" in v for v in check_plan(problem, merged).violations)


def test_mixed_fleet_picks_cheapest_vehicles() -> None:
    stops = [Stop("a", demand_kg=5), Stop("b", demand_kg=5)]
    small = Vehicle("small", "plant", 5, count=2)
    big = Vehicle("big", "plant", 20, cost_per_m=3)
    plan = checked_solve(line_problem([0, 10, -10], stops, [small, big]))
    assert sorted(r.vehicle_type for r in plan.routes) == ["small", "small"] and plan.cost == 40
    small = Vehicle("small", "plant", 5, count=2, fixed_cost=100)
    plan = checked_solve(line_problem([0, 10, -10], stops, [small, big]))
    assert [r.vehicle_type for r in plan.routes] == ["big"] and plan.cost == 120


def test_duration_cost_and_fixed_cost_in_objective() -> None:
    van = Vehicle("van", "plant", 10, fixed_cost=7, cost_per_m=2, cost_per_s=3)
    plan = checked_solve(line_problem([0, 10], [Stop("a", service_s=4)], [van]))
    assert plan.cost == 7 + 2 * 20 + 3 * 24


def test_matches_brute_force_on_small_tsp() -> None:
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 1000, (7, 2))
    matrix = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))).astype(int)
    stops = [Stop(f"s{i}") for i in range(1, 7)]
    problem = Problem((Depot("plant"),), (Vehicle("van", "plant", 10),), tuple(stops), matrix, matrix)
    best = min(
        sum(matrix[a, b] for a, b in itertools.pairwise((0, *perm, 0))) for perm in itertools.permutations(range(1, 7))
    )
    assert checked_solve(problem, max_iterations=1000).cost == best


def test_checker_flags_a_tampered_plan(truck: Vehicle) -> None:
    problem = line_problem([0, 10, 15], [Stop("a", demand_kg=5), Stop("b", demand_kg=5)], [truck])
    plan = checked_solve(problem)
    route = plan.routes[0]
    late = route.visits[1].__class__(**{**_fields(route.visits[1]), "arrival_s": 999})
    tampered = plan.__class__(
        (route.__class__(route.vehicle_id, route.vehicle_type, (route.visits[0], late, *route.visits[2:])),),
        plan.unassigned,
        plan.cost + 1,
    )
    violations = check_plan(problem, tampered).violations
    assert any("arrival_s 999" in v for v in violations) and any("plan cost" in v for v in violations)


def test_checker_flags_overload_and_missing_required() -> None:
    from routing.checker import plan_from_sequences

    problem = line_problem([0, 10, 15], [Stop("a", demand_kg=6), Stop("b", demand_kg=6)], [Vehicle("t", "plant", 10)])
    overloaded = check_plan(problem, plan_from_sequences(problem, [("t", ["a", "b"])])).violations
    assert any("outside capacity" in v for v in overloaded)
    missing = check_plan(problem, plan_from_sequences(problem, [("t", ["a"])])).violations
    assert any("required stop b not served" in v for v in missing)


def test_a_best_effort_solution_over_capacity_is_marked_infeasible() -> None:
    # The week planner keeps a day's best solution when its search found none within capacity in its budget; the
    # plan must say so, or the week is taken as sound and fails only at the caller's check.
    import pyvrp

    from routing.solver.pyvrp_backend import from_pyvrp, to_pyvrp

    stops = [Stop("a", demand_kg=6), Stop("b", demand_kg=6)]
    problem = line_problem([0, 10, 15], stops, [Vehicle("t", "plant", 10, count=2)])
    mapped = to_pyvrp(problem)
    a, b = 0, 1  # PyVRP's client indices
    one_trip = from_pyvrp(problem, mapped, pyvrp.Solution(mapped.data, [[a, b]]))
    two_trips = from_pyvrp(problem, mapped, pyvrp.Solution(mapped.data, [[a], [b]]))
    assert set(one_trip.routes[0].stop_ids) == {"a", "b"} and not one_trip.feasible
    assert two_trips.feasible


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]
