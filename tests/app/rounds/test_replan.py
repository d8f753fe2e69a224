"""Mid-day re-plan: done stops kept, trucks start where they are, pending stops re-optimised."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from app.core.clock import ROME
from app.extensions import db
from app.rounds.models import RouteStop
from app.rounds.services import plan_day, publish_plan, replan_remaining
from tests.app import factories


@pytest.fixture
def plan(world):
    for v in world.vehicles:
        v.capacity_kg = 3000
    plan = plan_day(world.params())
    publish_plan(plan, expected_version=1)
    return plan


def _at(world, hour: int) -> datetime:
    return datetime.combine(world.tomorrow, time(hour), ROME)


def _busy(plan):
    return max(plan.routes, key=lambda r: len(r.stops))


def _do(route, count: int, kg: float = 250.0) -> list[RouteStop]:
    done = [s for s in route.stops if s.kind == "bin"][:count]
    for stop in done:
        stop.status, stop.actual_kg, stop.completed_at = "done", kg, stop.departure_at
    return done


def test_a_broken_truck_hands_its_pending_stops_to_the_others_and_keeps_its_done_ones(plan, world) -> None:
    route = _busy(plan)
    done = _do(route, 1)
    pending = {s.bin_id for s in route.stops if s.kind == "bin" and s.status == "pending"}
    other = next(v.id for v in world.vehicles if v.id != route.vehicle_id)

    replan_remaining(plan, _at(world, 9), vehicle_ids_available={other})

    assert [s.id for s in route.stops] == [s.id for s in done]
    rescued = next(r for r in plan.routes if r.vehicle_id == other)
    assert pending <= {s.bin_id for s in rescued.stops}
    assert all(s.arrival_at >= _at(world, 9) for s in rescued.stops)
    assert plan.version == 3


def test_a_full_bin_alert_is_added_to_a_truck_already_out(plan, world) -> None:
    _do(_busy(plan), 1)
    alert = factories.BinFactory(operator=world.bins[0].operator, lon=9.1913566, lat=45.4602029)
    db.session.flush()

    replan_remaining(plan, _at(world, 9), extra_bin_ids=[alert.id])

    assert alert.id in {s.bin_id for r in plan.routes for s in r.stops}


def test_the_truck_restarts_from_its_last_done_stop_with_its_load_on_board(world) -> None:
    plan = plan_day(world.params())  # 600 kg trucks, 270 kg bins
    route = _busy(plan)
    done = _do(route, 2, kg=270.0)  # 540 kg on board if no unload between them
    unloaded = any(s.kind == "reload" for s in route.stops[: route.stops.index(done[-1])])

    replan_remaining(plan, _at(world, 9))

    tail = route.stops[route.stops.index(done[-1]) + 1 :]
    assert all(s.load_after_kg <= 600 for r in plan.routes for s in r.stops)
    if not unloaded and any(s.kind == "bin" for s in tail):
        assert tail[0].kind == "reload"


def test_locked_stops_stay_on_their_route(plan, world) -> None:
    route = _busy(plan)
    locked = [s for s in route.stops if s.kind == "bin"][-1]
    locked.locked = True

    replan_remaining(plan, _at(world, 7))

    assert locked in route.stops and locked.status == "pending"
