"""Validation errors, determinism, cancel, progress, exports and a real bench instance."""

from __future__ import annotations

import csv
import math
import threading

import numpy as np
import pytest

from routing.checker import check_plan
from routing.errors import InvalidInputError, ProblemError, SolveCancelled
from routing.geo import Location
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.solver import solve
from tests.routing.solver.conftest import checked_solve, line_problem
from tests.shared_data import shared_file

VAN = Vehicle("van", "plant", 10)


def random_problem(n: int = 30, seed: int = 0) -> Problem:
    rng = np.random.default_rng(seed)
    depot = Depot("plant", Location(9.19, 45.46))
    stops = [
        Stop(
            f"s{i}",
            Location(9.19 + rng.uniform(-0.1, 0.1), 45.46 + rng.uniform(-0.05, 0.05)),
            demand_kg=int(rng.integers(1, 4)),
        )
        for i in range(n)
    ]
    return Problem.with_approximate_matrices([depot], [Vehicle("van", "plant", 15, count=10)], stops)


@pytest.mark.parametrize(
    ("build", "field", "words"),
    [
        (lambda: line_problem([0, 1], [Stop("a", demand_kg=11)], [VAN]), "Stop a", "above every vehicle capacity"),
        (lambda: TimeWindow(50, 40), "end_s", "empty time window"),
        (
            lambda: line_problem([0, 1], [Stop("a")], [Vehicle("v", "nowhere", 10)]),
            "Vehicle v.start_depot",
            "unknown depot 'nowhere'",
        ),
        (
            lambda: line_problem([0, 1], [Stop("a")], [Vehicle("v", "plant", 9, reload_depots=("x",))]),
            "Vehicle v.reload_depots",
            "unknown depot",
        ),
        (lambda: Problem((Depot("plant"),), (VAN,), (Stop("a"),), [[0, 1]], [[0, 1]]), "duration_s", "shape (1, 2)"),
        (
            lambda: Problem((Depot("plant"),), (VAN,), (Stop("a"),), [[0, -1], [1, 0]], [[0, 1], [1, 0]]),
            "duration_s",
            "negative value -1",
        ),
        (
            lambda: Problem((Depot("plant"),), (VAN,), (Stop("a"),), [[0, 1.5], [1, 0]], [[0, 1], [1, 0]]),
            "duration_s",
            "integers",
        ),
        (lambda: line_problem([0, 1, 2], [Stop("a"), Stop("a")], [VAN]), "id", "duplicate id 'a'"),
        (lambda: Stop("a", demand_kg=-3), "Stop a.demand_kg", "at least 0"),
        (lambda: Stop("a", prize=5), "Stop a.prize", "required=False"),
        (lambda: Stop("a", kind="drop"), "Stop a.kind", "'pickup' or 'delivery'"),  # type: ignore[arg-type]
        (lambda: Vehicle("v", "plant", 10, count=0), "Vehicle v.count", "at least 1"),
        (
            lambda: line_problem([0, 100], [Stop("a", window=TimeWindow(0, 50))], [VAN]),
            "Stop a",
            "unreachable: earliest arrival 100",
        ),
        (
            lambda: line_problem([0, 100], [Stop("a")], [Vehicle("v", "plant", 9, shift=TimeWindow(0, 150))]),
            "Stop a",
            "cannot return to 'plant' by 150",
        ),
        (
            lambda: line_problem([0, 100], [Stop("a")], [Vehicle("v", "plant", 9, max_duration_s=199)]),
            "Stop a",
            "exceeds max_duration_s 199",
        ),
        (lambda: solve(line_problem([0, 1], [Stop("a")], [VAN]), time_limit_s=0, seed=1), "time_limit_s", "positive"),
        (lambda: solve(line_problem([0, 1], [Stop("a")], [VAN]), time_limit_s=1, seed=-1), "seed", "non-negative"),
    ],
)
def test_invalid_inputs_give_clear_errors(build: object, field: str, words: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field and words in info.value.message


def test_problem_errors_are_problem_errors() -> None:
    with pytest.raises(ProblemError):
        line_problem([0, 1], [Stop("a", demand_kg=11)], [VAN])


def test_same_seed_same_plan() -> None:
    problem = random_problem()
    a = checked_solve(problem, seed=5, max_iterations=200)
    b = checked_solve(problem, seed=5, max_iterations=200)
    assert a.routes == b.routes and a.cost == b.cost and a.approximate


def test_progress_reports_improving_costs_ending_at_plan_cost() -> None:
    seen: list[tuple[float, int]] = []
    plan = checked_solve(random_problem(), max_iterations=300, progress=lambda t, c: seen.append((t, c)))
    costs = [c for _, c in seen]
    assert costs and costs == sorted(costs, reverse=True) and costs[-1] == plan.cost
    assert plan.progress == tuple(seen)


def test_cancel_before_and_during_solve() -> None:
    event = threading.Event()
    event.set()
    with pytest.raises(SolveCancelled):
        solve(random_problem(), time_limit_s=5, seed=1, cancel=event)
    event = threading.Event()
    with pytest.raises(SolveCancelled):
        solve(random_problem(), time_limit_s=30, seed=1, cancel=event, progress=lambda t, c: event.set())


def test_two_workers_return_a_checked_plan() -> None:
    plan = checked_solve(random_problem(12), time_limit_s=0.3, max_iterations=100, workers=2)
    assert plan.feasible and len(plan.served) == 12


def test_geojson_and_gpx_exports() -> None:
    plan = checked_solve(random_problem(8), max_iterations=100)
    gj = plan.to_geojson()
    lines = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in gj["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == len(plan.routes) and len(points) == sum(len(r.visits) for r in plan.routes)
    assert lines[0]["geometry"]["coordinates"][0] == [9.19, 45.46] or tuple(lines[0]["geometry"]["coordinates"][0]) == (
        9.19,
        45.46,
    )
    detailed = plan.to_geojson(geometry=lambda a, b: [(a.lon, a.lat), ((a.lon + b.lon) / 2, a.lat), (b.lon, b.lat)])
    n_legs = sum(len(r.visits) - 1 for r in plan.routes)
    extra = sum(
        len(f["geometry"]["coordinates"]) for f in detailed["features"] if f["geometry"]["type"] == "LineString"
    )
    assert extra == sum(len(r.visits) for r in plan.routes) + n_legs
    gpx = plan.to_gpx()
    assert gpx.count("<rte>") == len(plan.routes) and 'lat="45.4600000"' in gpx


def test_bench_instance_within_ten_percent_of_bks() -> None:
    vrplib = pytest.importorskip("vrplib")
    path = shared_file("bench/X-n101-k25.vrp")
    with open(shared_file("bench/bks.csv")) as fh:
        bks = {r["instance"]: float(r["bks"]) for r in csv.DictReader(fh)}["X-n101-k25"]
    raw = vrplib.read_instance(path)
    dist = np.round(raw["edge_weight"]).astype(np.int64)
    stops = [Stop(f"c{i}", demand_kg=int(d)) for i, d in enumerate(raw["demand"][1:], start=1)]
    vehicle = Vehicle("v", "depot", int(raw["capacity"]), count=math.ceil(1.2 * 26) + 1)
    problem = Problem((Depot("depot"),), (vehicle,), tuple(stops), dist, dist)
    plan = solve(problem, time_limit_s=1.5, seed=1)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    assert plan.feasible and report.cost <= 1.1 * bks
