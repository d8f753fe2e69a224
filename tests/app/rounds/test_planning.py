"""plan_day: which bins are planned, on real roads or approximate, and refusals with clear messages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.collection.models import Pickup
from app.core.clock import local_today, utcnow
from app.extensions import db
from app.rounds.adapters import PlanningInputError
from app.rounds.models import RoundPlan
from app.rounds.services import plan_day
from tests.app import factories


def _planned_bins(plan: RoundPlan) -> set[int]:
    return {s.bin_id for r in plan.routes for s in r.stops if s.bin_id}


def test_plan_on_milan_roads_serves_every_due_bin_along_the_streets(world, on_milan_roads) -> None:
    plan = plan_day(world.params())

    assert not plan.approximate and plan.network_hash
    assert _planned_bins(plan) == {b.id for b in world.bins}
    streets = {name for r in plan.routes for leg in json.loads(r.streets_json) for name in leg}
    assert streets & {"Via Pantano", "Via Osti", "Vicolo Santa Caterina"}
    route = plan.routes[0]
    assert json.loads(route.geometry_json)["type"] == "LineString"
    assert [s.sequence for s in route.stops] == list(range(1, len(route.stops) + 1))
    assert all(a.departure_at <= b.arrival_at for a, b in zip(route.stops, route.stops[1:], strict=False))


def test_trucks_unload_at_the_plant_and_go_out_again_when_full(world, on_milan_roads) -> None:
    # 5 bins × 270 kg with 600 kg trucks: at least one truck must unload mid-round.
    plan = plan_day(world.params())

    reloads = [s for r in plan.routes for s in r.stops if s.kind == "reload"]
    assert reloads and all(s.site_id == world.plant.id for s in reloads)
    assert all(s.load_after_kg <= 600 for r in plan.routes for s in r.stops)
    # ... and unload there once more before driving home empty (#18)
    assert all(r.end_site_id == r.start_site_id for r in plan.routes)
    assert all(r.stops[-1].kind == "reload" and r.stops[-1].site_id == world.plant.id for r in plan.routes if r.stops)


def test_the_driver_chosen_for_a_vehicle_gets_its_route(world, on_milan_roads) -> None:
    plan = plan_day(world.params(vehicle_ids=(world.vehicles[0].id,), time_limit_s=1.0))

    assert [r.driver_id for r in plan.routes] == [world.driver.id]


def test_without_a_road_network_every_figure_is_approximate(world) -> None:
    plan = plan_day(world.params())

    assert plan.approximate and plan.network_hash == ""
    assert plan.distance_m > 0


def test_bins_over_the_threshold_or_overflowing_are_required_the_others_optional(world, forecasts) -> None:
    low, overflowing, *_rest = world.bins
    forecasts.set(low, 0.3)
    forecasts.set(overflowing, 0.2)
    db.session.add(Pickup(bin=overflowing, collected_at=utcnow() - timedelta(days=2), incidents="overflow"))

    plan = plan_day(world.params())

    required = {s.bin_id: s.required for r in plan.routes for s in r.stops if s.bin_id}
    required |= {u.bin_id: u.required for u in plan.unassigned}
    assert required[low.id] is False
    assert required[overflowing.id] is True
    assert required[world.bins[2].id] is True


def test_inactive_and_inaccessible_bins_are_never_planned(world) -> None:
    world.bins[0].status = "inaccessible"
    world.bins[1].status = "removed"

    plan = plan_day(world.params())

    considered = _planned_bins(plan) | {u.bin_id for u in plan.unassigned}
    assert considered == {b.id for b in world.bins[2:]}


def test_a_bin_heavier_than_every_truck_is_left_out_with_the_reason(world, forecasts) -> None:
    big = factories.BinFactory(operator=world.bins[0].operator, full_weight_kg=2000)
    forecasts.set(big, 0.9)  # 1,800 kg expected, trucks carry 600 kg

    plan = plan_day(world.params())

    reasons = {u.bin_id: u.reason for u in plan.unassigned}
    assert reasons[big.id] == "Richiede 1.800 kg: non entra in nessuno dei veicoli scelti"
    assert big.id not in _planned_bins(plan)


def test_planning_without_vehicles_is_refused(world) -> None:
    with pytest.raises(PlanningInputError, match="Nessun veicolo disponibile"):
        plan_day(world.params(vehicle_ids=()))


def test_planning_with_no_bins_due_is_refused(world) -> None:
    for b in world.bins:
        b.status = "removed"

    with pytest.raises(PlanningInputError, match="Nessun contenitore da raccogliere"):
        plan_day(world.params())


def test_a_site_outside_the_road_network_is_named_in_italian(world, on_milan_roads) -> None:
    world.depot.lon, world.depot.lat = 9.1862, 45.4655  # Piazza Cordusio, off the extract

    with pytest.raises(PlanningInputError, match=r"La sede «Deposito Osti».*fuori dalla rete stradale"):
        plan_day(world.params())


def test_planning_a_past_date_is_refused(world) -> None:
    with pytest.raises(PlanningInputError, match="nel passato"):
        plan_day(world.params(service_date=local_today() - timedelta(days=1)))


def test_on_an_overloaded_day_required_bins_that_do_not_fit_are_listed_never_overloaded(world) -> None:
    truck = world.vehicles[0]
    truck.shift_end = truck.shift_start.replace(hour=truck.shift_start.hour + 1)  # one hour, 5 × 270 kg due

    plan = plan_day(world.params(vehicle_ids=(truck.id,)))

    assert all(s.load_after_kg <= truck.capacity_kg for r in plan.routes for s in r.stops)
    left = [u for u in plan.unassigned if u.required]
    assert left and all("senza capacità o tempo" in u.reason for u in left)
    assert len(_planned_bins(plan)) + len(left) == len(world.bins)


def test_a_best_effort_plan_that_runs_past_the_shift_leaves_its_last_bins_out(world, monkeypatch) -> None:
    # The search's best plan within the time allowed may break the shift as well as the capacity (seen on a loaded
    # machine at 1 s): the bins at the end of a late route are left out, one at a time, until it ends in time.
    from app.rounds import adapters

    truck = world.vehicles[0]
    truck.shift_end = truck.shift_start.replace(hour=truck.shift_start.hour + 1)
    order: list[str] = []

    def overlong(problem, **_kwargs):
        vehicle = problem.vehicles[0]
        order.extend(s.id for s in problem.stops)
        plant = vehicle.reload_depots[0]
        keys = [order[0], order[1], plant, order[2], order[3], plant, order[4], plant]
        visits = adapters.replay(problem, vehicle, vehicle.shift.start_s, adapters._steps(problem, vehicle, keys))
        return adapters.Plan((adapters.Route(f"{vehicle.id}#1", vehicle.id, tuple(visits)),), (), 0, False, True)

    monkeypatch.setattr(adapters, "solve", overlong)
    plan = plan_day(world.params(vehicle_ids=(truck.id,)))

    planned = [s.bin_id for r in plan.routes for s in r.stops if s.bin_id]
    left = [u for u in plan.unassigned if u.required]
    assert left and all("senza capacità o tempo" in u.reason for u in left)
    assert len(planned) + len(left) == len(world.bins)
    assert planned and [f"bin:{b}" for b in planned] == order[: len(planned)]  # the last ones left out, in order
    assert all(r.end_at.time() <= truck.shift_end for r in plan.routes)
