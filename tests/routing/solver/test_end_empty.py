"""Vehicles that must come back empty: the final unload at a plant, on tiny lines with known optima.

The line: garage G at 0, plants P1 at -10 and P2 at 25, bins a, b, c at 5, 10, 20
(1 m = 1 s). Plants take 5 s to unload.
"""

from __future__ import annotations

import pytest

from routing.checker import check_plan, plan_from_sequences
from routing.errors import InvalidInputError, ProblemError
from routing.geo import Location
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from tests.routing.solver.conftest import checked_solve, line_problem

POSITIONS = [0, -10, 25, 40, 5, 10, 20]  # G, P1, P2, yard, a, b, c
DEPOTS = [
    Depot("G", Location(9.00, 45.4)),
    Depot("P1", Location(8.99, 45.4), service_s=5),
    Depot("P2", Location(9.025, 45.4), service_s=5),
    Depot("yard", Location(9.04, 45.4)),
]


def bins(kg: int = 3) -> list[Stop]:
    return [Stop(name, Location(9.0 + x / 1000, 45.4), demand_kg=kg) for name, x in (("a", 5), ("b", 10), ("c", 20))]


def truck(**kwargs: object) -> Vehicle:
    kwargs.setdefault("reload_depots", ("P1", "P2"))
    return Vehicle("truck", "G", 10, end_empty=True, **kwargs)  # type: ignore[arg-type]


def problem(vehicle: Vehicle, kg: int = 3, positions: list[int] = POSITIONS) -> Problem:
    return line_problem(positions, bins(kg), [vehicle], DEPOTS)


def test_truck_that_must_end_empty_unloads_at_the_cheaper_plant_before_going_home() -> None:
    # Home loaded: G-a-b-c-G = 40. Via P1 at least 2*20 + 2*10 = 60; via P2 G-a-b-c-P2-G = 25 + 25 = 50.
    assert checked_solve(problem(Vehicle("truck", "G", 10))).cost == 40
    plan = checked_solve(problem(truck(max_reloads=0)))
    (route,) = plan.routes
    assert plan.cost == 50
    assert [(v.kind, v.id) for v in route.visits] == [
        ("depot", "G"), ("stop", "a"), ("stop", "b"), ("stop", "c"), ("reload", "P2"), ("depot", "G"),
    ]  # fmt: skip
    unload = route.final_unload
    assert unload is not None and (unload.arrival_s, unload.departure_s) == (25, 30)
    assert (unload.load_on_arrival, unload.load) == ((9,), (0,))
    assert route.visits[-1].arrival_s == 55 and route.visits[-1].load_on_arrival == (0,)
    assert route.num_reloads == 0 and {v.trip for v in route.visits} == {0}


def test_the_plant_follows_each_vehicles_own_end_depot() -> None:
    # Ending at the yard (-20 here): G-c-b-a-P1-yard = 20 + 15 + 15 + 10 = 60, via P2 G-a-b-c-P2-yard = 70.
    plan = checked_solve(problem(truck(end_depot="yard"), positions=[0, -10, 25, -20, 5, 10, 20]))
    (route,) = plan.routes
    assert plan.cost == 60 and [v.id for v in route.visits][-2:] == ["P1", "yard"]


def test_a_full_truck_reloads_midway_and_still_unloads_at_the_end() -> None:
    # 3 x 4 kg > 10 kg: G-a-b-P2-c-P2-G = 10 + 15 + 5 + 5 + 25 = 60 beats every split.
    plan = checked_solve(problem(truck(), kg=4))
    (route,) = plan.routes
    assert plan.cost == 60
    assert [v.id for v in route.visits] == ["G", "a", "b", "P2", "c", "P2", "G"]
    assert route.num_reloads == 1 and [v.trip for v in route.visits] == [0, 0, 0, 1, 1, 1, 1]
    assert [v.load_on_arrival for v in route.visits if v.kind == "reload"] == [(8,), (4,)]


def test_checker_refuses_a_truck_that_goes_home_loaded() -> None:
    p = problem(truck())
    violations = check_plan(p, plan_from_sequences(p, [("truck", ["a", "b", "c"])])).violations
    assert any("must end empty" in v for v in violations) and any("arrives at G loaded (9,)" in v for v in violations)
    assert check_plan(p, plan_from_sequences(p, [("truck", ["a", "b", "c", "P2"])])).ok


def test_exports_show_the_final_unload() -> None:
    plan = checked_solve(problem(truck()))
    features = plan.to_geojson()["features"]
    assert features[0]["properties"]["final_unload"] == "P2"
    (point,) = [f["properties"] for f in features if f["properties"].get("id") == "P2"]
    assert point["kind"] == "reload" and point["load_on_arrival_kg"] == 9 and point["load_kg"] == 0
    assert "<name>P2</name><desc>reload arrival 00:00 unload 9 kg load 0 kg</desc>" in plan.to_gpx()


@pytest.mark.parametrize(
    ("build", "field", "words"),
    [
        (lambda: Vehicle("v", "G", 10, end_empty=True), "Vehicle v.reload_depots", "needs at least one site"),
        (lambda: Vehicle("v", "G", 10, end_empty=1, reload_depots=("P1",)), "Vehicle v.end_empty", "got 1"),
        # G-c-G takes 40 s, but unloading first takes 55 s: a 45 s shift cannot serve c.
        (lambda: problem(truck(shift=TimeWindow(0, 45))), "Stop c", "by 45 s (earliest return 55 s)"),
    ],
)
def test_end_empty_inputs_are_validated(build: object, field: str, words: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field and words in info.value.message


def test_end_empty_is_a_problem_error_when_no_plant_is_open() -> None:
    closed = [*DEPOTS[:2], Depot("P2", opening=TimeWindow(0, 10)), DEPOTS[3]]
    with pytest.raises(ProblemError, match="no unload site of 'truck' is still open"):
        line_problem(POSITIONS, bins(), [truck(reload_depots=("P2",))], closed)
