"""Weekly planning: each constraint on a tiny line instance whose optimum is known by hand."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from routing.checker import check_week_plan
from routing.errors import InvalidInputError, ProblemError
from routing.model import Depot, Vehicle
from routing.periodic import DayFleet, PeriodicProblem, PeriodicStop, WeekPlan
from routing.solver import solve_periodic
from routing.solver.base import Deadline
from routing.solver.periodic import OVERFLOW, _Route, _Week
from tests.routing.solver.test_budget_and_fleet import FakeClock


def line_week(positions: Sequence[int], stops: Sequence[PeriodicStop], days: Sequence[DayFleet]) -> PeriodicProblem:
    """Depot ``G`` at ``positions[0]``, stop k at ``positions[k + 1]``; 1 m = 1 s of travel."""
    pos = np.asarray(positions)
    matrix = np.abs(pos[:, None] - pos[None, :])
    return PeriodicProblem((Depot("G"),), tuple(days), tuple(stops), matrix, matrix)


def fleet(capacity: int = 100, **kwargs: Any) -> DayFleet:
    return DayFleet((Vehicle("truck", "G", capacity, **kwargs),))


def checked_week(problem: PeriodicProblem, **kwargs: Any) -> WeekPlan:
    kwargs.setdefault("time_limit_s", 1.0)
    kwargs.setdefault("seed", 1)
    kwargs.setdefault("max_iterations", 200)
    week = solve_periodic(problem, **kwargs)
    report = check_week_plan(problem, week)
    assert report.ok, report.violations
    assert report.cost == week.cost
    return week


def test_capacity_sends_a_stop_to_the_far_day_of_its_patterns() -> None:
    # a (+10, 6 kg) only on day 0, b (-10) only on day 1, c (+11, 6 kg) on day 0 or day 1. One 10 kg truck a day:
    # c beside a on day 0 would cost 2 more but overloads it, so c rides with b: 20 + (10 + 21 + 11) = 62.
    stops = [
        PeriodicStop("a", patterns=(0b01,), demand_kg=6),
        PeriodicStop("b", patterns=(0b10,), demand_kg=1),
        PeriodicStop("c", patterns=(0b01, 0b10), demand_kg=6),
    ]
    week = checked_week(line_week([0, 10, -10, 11], stops, [fleet(10), fleet(10)]))
    assert week.patterns == {"a": 0b01, "b": 0b10, "c": 0b10}
    assert week.cost == 62 and week.feasible
    assert week.visit_days("c") == (1,)


def test_full_days_swap_stops_when_no_single_move_fits() -> None:
    # Four 6 kg bins at +10, +11, -10, -11, each on day 0 or day 1; one 12 kg truck a day. Cheapest insertion
    # first pairs the two farthest (+11 and -11: 44) and then +10 and -10 (40); every single move then overloads
    # the other day. Searching both days as one puts each side together: 22 + 22 = 44.
    stops = [PeriodicStop(name, patterns=(0b01, 0b10), demand_kg=6) for name in ("a", "c", "b", "e")]
    week = checked_week(line_week([0, 10, 11, -10, -11], stops, [fleet(12), fleet(12)]))
    assert week.cost == 44
    assert sorted(sorted(p.served) for p in week.days) == [["a", "c"], ["b", "e"]]


def test_full_days_regroup_their_one_visit_stops_over_the_whole_week() -> None:
    # Six 6 kg bins in three pairs (+10/+11, -10/-11, +30/+31), each on any of three days; one 12 kg truck a
    # day. Whatever the start, the week searched as one problem sends each pair out on a day of its own:
    # 22 + 22 + 62 = 106.
    stops = [PeriodicStop(name, patterns=(0b001, 0b010, 0b100), demand_kg=6) for name in "abcdef"]
    week = checked_week(line_week([0, 10, 11, -10, -11, 30, 31], stops, [fleet(12)] * 3))
    assert week.cost == 106
    assert sorted(sorted(p.served) for p in week.days) == [["a", "b"], ["c", "d"], ["e", "f"]]


def test_two_visit_patterns_follow_the_cheap_days() -> None:
    # x (+10) on days {0, 1} or {1, 2}; a sits on x and is visited on day 0, b (-10) on day 2.
    # {0, 1}: 20 (day 0) + 20 (day 1) + 20 (day 2, b alone) = 60; {1, 2}: 20 + 20 + 40 = 80.
    stops = [
        PeriodicStop("x", patterns=(0b011, 0b110)),
        PeriodicStop("a", patterns=(0b001,)),
        PeriodicStop("b", patterns=(0b100,)),
    ]
    week = checked_week(line_week([0, 10, 10, -10], stops, [fleet()] * 3))
    assert week.patterns["x"] == 0b011 and week.cost == 60
    assert [week.visit_days(s) for s in ("x", "a", "b")] == [(0, 1), (0,), (2,)]


def test_each_day_has_its_own_fleet() -> None:
    # Day 0: a van whose rounds last at most 15 s; day 1: a truck; day 2: no vehicle at all.
    # c (+11) needs a 22 s round: only day 1 can serve it, whatever its patterns say.
    stops = [PeriodicStop("c", patterns=(0b001, 0b010, 0b100)), PeriodicStop("d", patterns=(0b001,))]
    days = [DayFleet((Vehicle("van", "G", 50, max_duration_s=15),)), fleet(), DayFleet()]
    problem = line_week([0, 11, 5], stops, days)
    assert [o.mask for o in problem.options("c")] == [0b010]
    week = checked_week(problem)
    assert week.patterns == {"c": 0b010, "d": 0b001} and week.cost == 10 + 22
    assert week.days[0].routes[0].vehicle_type == "van" and not week.days[2].routes


def test_forecast_bin_is_emptied_before_it_overflows_with_the_kg_of_the_days_since() -> None:
    # f: 6 kg at the round of day 0, +5 kg a day, full at 12: day 2 would find 16 kg, so it is emptied on day 0
    # or 1 (or both). p sits on f and is visited on day 1 only: emptying f there costs nothing and collects 11 kg.
    stops = [
        PeriodicStop("f", daily_kg=5, full_kg=12, initial_kg=6),
        PeriodicStop("p", patterns=(0b010,), demand_kg=2),
    ]
    problem = line_week([0, 10, 10], stops, [fleet(20)] * 3)
    assert 0b100 not in {o.mask for o in problem.options("f")}
    week = checked_week(problem)
    assert week.patterns["f"] == 0b010 and week.cost == 20
    (route,) = week.days[1].routes
    assert max(v.load_kg for v in route.visits) == 13


def test_fast_filling_forecast_bin_is_visited_on_the_only_days_that_keep_it_below_full() -> None:
    # 8 kg a day, full at 10, 9 kg on day 0: it must be emptied on day 0 (else 17 kg on day 1), then on day 1
    # (else 16 kg on day 2); day 2 then finds 8 kg, which may wait for next week's plan. Visits of 9 and 8 kg.
    problem = line_week([0, 10], [PeriodicStop("f", daily_kg=8, full_kg=10, initial_kg=9)], [fleet(20)] * 3)
    assert [o.mask for o in problem.options("f")] == [0b011, 0b111]
    week = checked_week(problem)
    assert week.patterns["f"] == 0b011 and week.cost == 40
    assert [r.visits[1].load_kg for d in week.days for r in d.routes] == [9, 8]


def test_a_bin_emptied_outside_the_plan_is_not_visited_that_day_and_starts_again_from_empty() -> None:
    # The bin of the test above (9 kg on day 0, 8 kg a day, full at 10), emptied on day 0 by a round already
    # published: the plan must not visit it on day 0, and it holds 8 kg on day 1 and would hold 16 on day 2,
    # so it is emptied on day 1 (8 kg), and day 2 may wait.
    outside = PeriodicStop("f", daily_kg=8, full_kg=10, initial_kg=9, emptied_days=0b001)
    problem = line_week([0, 10], [outside], [fleet(20)] * 3)
    assert [o.mask for o in problem.options("f")] == [0b010, 0b110]
    week = checked_week(problem)
    assert week.patterns["f"] == 0b010 and week.cost == 20
    assert [r.visits[1].load_kg for d in week.days for r in d.routes] == [8]
    # Slower: 6 kg on day 0, 5 kg a day, full at 12, emptied on day 1 by another round: 11 kg there, 5 on day 2.
    # No visit is needed; p alone goes out on day 1.
    stops = [
        PeriodicStop("f", daily_kg=5, full_kg=12, initial_kg=6, emptied_days=0b010),
        PeriodicStop("p", patterns=(0b010,), demand_kg=2),
    ]
    week = checked_week(line_week([0, 10, 10], stops, [fleet(20)] * 3))
    assert week.patterns["f"] == 0 and week.visit_days("f") == () and week.cost == 20


def test_a_bin_is_left_able_to_wait_until_the_next_plans_first_round() -> None:
    # f: 6 kg on day 0, 11 on day 1, 16 on day 2 (full at 12); p sits on f, on day 0 only. Emptied with p on day 0
    # for nothing, f holds 10 kg on day 2 and 15 on day 3, the next plan's first day: over full before that round.
    # With one day after the horizon to hold, f needs a visit on day 1 or 2 as well (or only): 20 + 20.
    stops = [PeriodicStop("f", daily_kg=5, full_kg=12, initial_kg=6), PeriodicStop("p", patterns=(0b001,))]
    alone = checked_week(line_week([0, 10, 10], stops, [fleet(20)] * 3))
    assert alone.patterns["f"] == 0b001 and alone.cost == 20
    problem = dataclasses.replace(line_week([0, 10, 10], stops, [fleet(20)] * 3), days_after=1)
    assert 0b001 not in {o.mask for o in problem.options("f")}
    week = checked_week(problem)
    assert week.cost == 40 and week.visit_days("f")[-1] in (1, 2)


def test_a_stops_own_next_round_wins_over_the_weeks() -> None:
    # The f of the test above, its operator's next round the day after (its own days_after) in a week that gives
    # none, then none of its own in a week that gives one: each time the stop's own number decides.
    stops = [PeriodicStop("f", daily_kg=5, full_kg=12, initial_kg=6, days_after=1), PeriodicStop("p", patterns=(1,))]
    own = line_week([0, 10, 10], stops, [fleet(20)] * 3)
    assert own.days_after == 0 and 0b001 not in {o.mask for o in own.options("f")}
    assert checked_week(own).visit_days("f")[-1] in (1, 2)
    stops[0] = dataclasses.replace(stops[0], days_after=0)
    week = dataclasses.replace(line_week([0, 10, 10], stops, [fleet(20)] * 3), days_after=1)
    assert 0b001 in {o.mask for o in week.options("f")} and checked_week(week).patterns["f"] == 0b001


def test_a_bin_that_cannot_hold_after_the_horizon_is_emptied_as_late_as_it_can_be() -> None:
    # Trucks on day 0 only: f (6, 11, 16 kg; full at 12) is emptied on day 0 and holds 15 kg on day 3 whatever
    # is done. The week is still planned, as without the days after.
    stop = PeriodicStop("f", daily_kg=5, full_kg=12, initial_kg=6)
    problem = line_week([0, 10], [stop], [fleet(20), DayFleet(), DayFleet()])
    problem = dataclasses.replace(problem, days_after=1)
    assert [o.mask for o in problem.options("f")] == [0b001]
    assert checked_week(problem).patterns["f"] == 0b001 and not problem.holds_after("f", 0b001)
    # g: 2 kg then 10 (full at 10) in two days, 8 kg a day: two days after the horizon it overflows whatever is
    # done, least (16 kg on day 3) when emptied on day 1. Left alone it would stay within the two days (2, 10).
    fast = PeriodicStop("g", daily_kg=8, full_kg=10, initial_kg=2)
    problem = dataclasses.replace(line_week([0, 10], [fast], [fleet(20)] * 2), days_after=2)
    assert [o.mask for o in problem.options("g")] == [0b10, 0b11]
    assert checked_week(problem).patterns["g"] == 0b10 and not problem.holds_after("g", 0b10)
    assert problem.holds_after("g", 0) is False and dataclasses.replace(problem, days_after=0).holds_after("g", 0)


def test_checker_refuses_a_visit_on_a_day_the_bin_is_emptied_outside_the_plan() -> None:
    free = PeriodicStop("f", daily_kg=8, full_kg=10, initial_kg=9)
    week = checked_week(line_week([0, 10], [free], [fleet(20)] * 3))  # days 0 and 1, 9 kg then 8 kg
    taken = line_week([0, 10], [dataclasses.replace(free, emptied_days=0b001)], [fleet(20)] * 3)
    violations = " | ".join(check_week_plan(taken, week).violations)
    assert "f: visited on day 0, when it is emptied outside the plan" in violations


def test_checker_refuses_wrong_patterns_overflows_and_kg() -> None:
    stops = [
        PeriodicStop("f", daily_kg=5, full_kg=12, initial_kg=6),
        PeriodicStop("p", patterns=(0b010,), demand_kg=2),
    ]
    problem = line_week([0, 10, 10], stops, [fleet(20)] * 3)
    week = checked_week(problem)
    moved = dataclasses.replace(week, patterns={"f": 0b100, "p": 0b010})
    violations = " | ".join(check_week_plan(problem, moved).violations)
    assert "f: 16 kg on day 2, above full_kg 12" in violations and "served outside its chosen pattern" in violations
    wrong = dataclasses.replace(week, patterns={"f": 0b010, "p": 0b001})
    assert any("not one of its allowed patterns" in v for v in check_week_plan(problem, wrong).violations)
    kg = dataclasses.replace(week, patterns={"f": 0b011, "p": 0b010})  # f would bring 5 kg on day 1, not 11
    assert any("load" in v for v in check_week_plan(problem, kg).violations)
    assert any("week cost" in v for v in check_week_plan(problem, dataclasses.replace(week, cost=1)).violations)


def test_same_seed_same_week() -> None:
    rng = np.random.default_rng(3)
    positions = [0, *rng.integers(-50, 50, size=12).tolist()]
    stops = [PeriodicStop(f"s{k}", patterns=(0b0101, 0b1010), demand_kg=3) for k in range(6)]
    stops += [PeriodicStop(f"t{k}", patterns=(1, 2, 4, 8), demand_kg=4) for k in range(6)]
    problem = line_week(positions, stops, [fleet(20, count=2)] * 4)
    a, b = checked_week(problem, seed=7), checked_week(problem, seed=7)
    assert a.patterns == b.patterns and a.cost == b.cost
    assert [p.routes for p in a.days] == [p.routes for p in b.days]


def test_the_whole_call_keeps_to_the_budget_on_its_clock() -> None:
    stops = [PeriodicStop(f"s{k}", patterns=(1, 2), demand_kg=1) for k in range(5)]
    problem = line_week([0, 3, 6, -4, 8, 12], stops, [fleet(3, count=2)] * 2)
    week = solve_periodic(problem, time_limit_s=0.5, seed=1, clock=FakeClock(step=0.001))
    assert week.runtime_s <= 0.5 and week.rounds >= 1
    assert check_week_plan(problem, week).ok


@pytest.mark.parametrize(
    ("build", "field", "words"),
    [
        (lambda: PeriodicStop("a", patterns=(0b01, 0b11)), "PeriodicStop a.patterns", "same number of days"),
        (lambda: PeriodicStop("a"), "PeriodicStop a.patterns", "forecast rule"),
        (lambda: PeriodicStop("a", patterns=(1,), daily_kg=1, full_kg=5), "PeriodicStop a.patterns", "not both"),
        (lambda: PeriodicStop("a", daily_kg=1), "PeriodicStop a.full_kg", "both daily_kg and full_kg"),
        (lambda: PeriodicStop("a", daily_kg=1, full_kg=5, initial_kg=6), "PeriodicStop a.initial_kg", "above"),
        (lambda: PeriodicStop("a", daily_kg=6, full_kg=5), "PeriodicStop a.daily_kg", "even if emptied daily"),
        (lambda: PeriodicStop("a", patterns=(0,)), "PeriodicStop a.patterns", "at least 1"),
        (lambda: PeriodicStop("a", patterns=(1,), emptied_days=2), "PeriodicStop a.emptied_days", "only a forecast"),
        (lambda: PeriodicStop("a", patterns=(1,), days_after=1), "PeriodicStop a.days_after", "only a forecast"),
        (lambda: PeriodicStop("a", daily_kg=1, full_kg=5, days_after=15), "PeriodicStop a.days_after", "at most 14"),
        (lambda: PeriodicStop("a", daily_kg=1, full_kg=5, days_after=-1), "PeriodicStop a.days_after", "0"),
        (
            lambda: line_week([0, 1], [PeriodicStop("a", daily_kg=1, full_kg=5, emptied_days=0b100)], [fleet()] * 2),
            "PeriodicStop a.emptied_days",
            "past the 2-day horizon",
        ),
        (
            lambda: line_week([0, 1], [PeriodicStop("a", patterns=(0b100,))], [fleet()] * 2),
            "PeriodicStop a.patterns",
            "past the 2-day horizon",
        ),
        (
            lambda: line_week([0, 1], [PeriodicStop("a", patterns=(0b10,), demand_kg=9)], [fleet(), fleet(5)]),
            "PeriodicStop a",
            "cannot serve it",
        ),
        (lambda: line_week([0, 1], [PeriodicStop("a", patterns=(1,))], []), "days", "1 to 14 days"),
        (
            lambda: dataclasses.replace(
                line_week([0, 1], [PeriodicStop("a", patterns=(1,))], [fleet()]), days_after=15
            ),
            "days_after",
            "at most 14 days",
        ),
        (
            lambda: solve_periodic(
                line_week([0, 1], [PeriodicStop("a", patterns=(1,))], [fleet()]), time_limit_s=0, seed=1
            ),
            "time_limit_s",
            "positive",
        ),
    ],
)
def test_invalid_week_inputs_give_clear_errors(build: object, field: str, words: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field and words in info.value.message


def test_a_stop_no_day_can_serve_is_a_problem_error() -> None:
    with pytest.raises(ProblemError):
        line_week([0, 1], [PeriodicStop("a", patterns=(1,), demand_kg=200)], [fleet()])


def test_progress_reports_each_better_week_ending_with_the_plan_returned() -> None:
    rng = np.random.default_rng(5)
    positions = [0, *rng.integers(-50, 50, size=10).tolist()]
    stops = [PeriodicStop(f"s{k}", patterns=(0b011, 0b110, 0b101), demand_kg=3) for k in range(10)]
    points: list[tuple[float, int]] = []
    week = checked_week(line_week(positions, stops, [fleet(12)] * 3), progress=lambda t, c: points.append((t, c)))
    assert points and points[-1][1] == week.cost
    assert [c for _, c in points] == sorted((c for _, c in points), reverse=True)
    assert [t for t, _ in points] == sorted(t for t, _ in points)


def test_the_first_week_is_reported_before_the_week_is_searched_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # The coordinator sees a first cost after the days' first searches, not after a third of the budget.
    events: list[str] = []
    joint = _Week.joint

    def recorded_joint(self: _Week, *args: Any, **kwargs: Any) -> bool:
        events.append("week searched as one")
        return joint(self, *args, **kwargs)

    monkeypatch.setattr(_Week, "joint", recorded_joint)
    stops = [PeriodicStop(f"s{k}", patterns=(0b011, 0b110, 0b101), demand_kg=3) for k in range(6)]
    checked_week(
        line_week([0, 5, -7, 12, -3, 9, 20], stops, [fleet(12)] * 3), progress=lambda t, c: events.append("cost")
    )
    assert "week searched as one" in events
    assert events.index("cost") < events.index("week searched as one")


def test_load_spread_by_the_construction_is_packed_back_when_near_stops_fit_one_truck() -> None:
    # One 10 kg truck a day, every stop on day 0 or 1: a (6 kg) and b (4 kg) at +10, c (6 kg) and d (4 kg) at -10.
    # Keeping the days even, the construction puts b beside nothing ({a, d} and {b, c}: 80); the optimum is one
    # side a day: 20 + 20 = 40, and no day over its 10 kg.
    stops = [PeriodicStop(n, patterns=(0b01, 0b10), demand_kg=kg) for n, kg in (("a", 6), ("b", 4), ("c", 6), ("d", 4))]
    week = checked_week(line_week([0, 10, 10, -10, -10], stops, [fleet(10), fleet(10)]))
    assert week.cost == 40 and week.feasible
    assert sorted(sorted(p.served) for p in week.days) == [["a", "b"], ["c", "d"]]


def test_the_week_with_one_route_fewer_does_not_open_a_route_on_another_day() -> None:
    # Three 1 kg bins, each on day 0 or day 1, 10 s from the garage and 100 s from each other; two trucks a day.
    # Alone on a round each (3 rounds, 60) is cheapest. The operator that searches the week with one route fewer
    # must return 2 rounds (two bins share one: 10 + 100 + 10, plus 20 = 140): dropping a truck only on the day of
    # the least loaded round would let that bin open a round on the other day, where a truck is still free.
    matrix = np.full((4, 4), 100)
    matrix[0, :] = matrix[:, 0] = 10
    np.fill_diagonal(matrix, 0)
    stops = [PeriodicStop(name, patterns=(0b01, 0b10), demand_kg=1) for name in "abc"]
    days = [DayFleet((Vehicle("truck", "G", 10, count=2),))] * 2
    problem = PeriodicProblem((Depot("G"),), tuple(days), tuple(stops), matrix, matrix)
    assert checked_week(problem).cost == 60
    week = _Week(problem, Deadline(5.0), 1, 200, None)
    week.start()
    week.search_days([0, 1], 1.0, 1)
    assert sum(len(day.routes) for day in week.days) == 3
    assert week.fewer_routes([0, 1], 1.0, 1)
    week.settle([0, 1])
    assert sum(len(day.routes) for day in week.days) == 2
    assert week.score() == (0, 0, 140)


def test_a_visit_over_a_full_round_is_priced_by_the_kg_the_days_other_rounds_can_take() -> None:
    # One day, two 10 kg trucks out: G-a-G (a at +10, 6 kg) and G-b-G (b at -10, 6 kg). Adding c at +10 beside a
    # costs 0 km. With 4 kg it fits a's truck; with 8 kg that truck is 4 kg over, which b's truck has room for (the
    # day search moves a visit there): the insertion is priced per kg over; with 9 kg the day has no room at all.
    stops = [PeriodicStop(name, patterns=(0b1,), demand_kg=6) for name in ("a", "b", "c")]
    week = _Week(line_week([0, 10, -10, 10], stops, [fleet(10, count=2)]), Deadline(5.0), 1, 200, None)
    week.days[0].routes = [_Route(0, [1], load=6, duration=20), _Route(0, [2], load=6, duration=20)]
    assert week.insertion(0, 3, 4) == (0, 0, 0)
    cost, route, _ = week.insertion(0, 3, 8)
    assert route == 0 and cost == int(week.kg_price * 4) > 0
    assert week.kg_price == OVERFLOW * 20 / 10  # a typical round trip (20 s) per 10 kg of capacity
    assert week.insertion(0, 3, 9)[0] >= week.penalty
