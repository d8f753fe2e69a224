"""A vehicle's daily fixed cost (truck and crew) reaches the planner."""

from __future__ import annotations

from decimal import Decimal

from app.extensions import db
from app.rounds.selection import UNITS_PER_EUR, vehicle_record
from app.rounds.services import plan_day


def _used(plan) -> list:
    return [r for r in plan.routes if r.stops]


def test_the_daily_fixed_cost_reaches_the_planner_in_cost_units(world) -> None:
    truck = world.vehicles[0]
    truck.fixed_cost_eur = Decimal("180.50")
    db.session.flush()

    record = vehicle_record(truck, world.tomorrow, world.plant, world.plant)

    assert record.fixed_cost == 180_50 * UNITS_PER_EUR // 100


def test_a_high_fixed_cost_makes_one_truck_reload_rather_than_two_go_out(world) -> None:
    # 5 bins × 270 kg and two 600 kg trucks: one truck can do it all with reloads at the plant.
    for truck in world.vehicles:
        truck.fixed_cost_eur = Decimal("2000")
    db.session.flush()

    plan = plan_day(world.params())

    used = _used(plan)
    assert len(used) == 1
    assert len({s.bin_id for s in used[0].stops if s.bin_id}) == len(world.bins)
    assert sum(s.kind == "reload" for s in used[0].stops) >= 2
    assert plan.cost_eur_cents >= 2000 * 100
