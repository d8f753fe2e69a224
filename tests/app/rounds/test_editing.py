"""Hand edits of a plan: each one re-checked with the plan checker, costed, versioned."""

from __future__ import annotations

import pytest

from app.errors import ConflictError, ValidationError
from app.rounds import services
from app.rounds.services import plan_day


@pytest.fixture
def plan(world):
    for v in world.vehicles:
        v.capacity_kg = 3000  # no mid-round unloads: every reorder is feasible
    return plan_day(world.params())


def _bin_stops(route):
    return [s for s in route.stops if s.kind == "bin"]


def test_reordering_a_stop_recomputes_times_and_bumps_the_version(plan) -> None:
    route = next(r for r in plan.routes if len(_bin_stops(r)) >= 2)
    last = _bin_stops(route)[-1]

    services.reorder_stop(plan, last.id, 1, expected_version=1)

    assert route.stops[0].id == last.id and last.sequence == 1
    assert plan.version == 2
    assert all(a.departure_at <= b.arrival_at for a, b in zip(route.stops, route.stops[1:], strict=False))
    assert plan.distance_m == sum(r.distance_m for r in plan.routes)


def test_moving_a_stop_to_another_route_carries_its_kg(plan, world) -> None:
    assert len(plan.routes) == 2
    source, target = plan.routes
    stop = _bin_stops(source)[0]
    before = target.load_kg

    services.move_stop(plan, stop.id, target.id, 1, expected_version=1)

    assert stop in target.stops and stop not in source.stops
    assert target.load_kg == before + stop.planned_kg


def test_an_edit_on_an_older_version_is_refused(plan) -> None:
    stop = plan.routes[0].stops[0]

    with pytest.raises(ConflictError, match="modificato da qualcun altro: ricarica la pagina"):
        services.reorder_stop(plan, stop.id, 2, expected_version=0)


def test_an_edit_the_checker_rejects_is_refused_and_changes_nothing(plan) -> None:
    route = plan.routes[0]
    stop = _bin_stops(route)[0]
    stop.planned_kg = 3100  # more than the 3,000 kg truck

    with pytest.raises(ValidationError, match="non fattibile"):
        services.reorder_stop(plan, stop.id, 1, expected_version=1)
    assert plan.version == 1


def test_a_locked_stop_cannot_be_moved_until_unlocked(plan) -> None:
    stop = plan.routes[0].stops[0]
    services.set_locked(plan, stop.id, True, expected_version=1)

    with pytest.raises(ValidationError, match="bloccata"):
        services.reorder_stop(plan, stop.id, 2, expected_version=2)
    services.set_locked(plan, stop.id, False, expected_version=2)
    assert not stop.locked and plan.version == 3


def test_publishing_makes_the_plan_visible_to_drivers(plan) -> None:
    services.publish_plan(plan, expected_version=1)

    assert plan.status == "published" and plan.published_at is not None
    with pytest.raises(ValidationError):
        services.publish_plan(plan, expected_version=plan.version)


def test_a_refused_edit_names_the_truck_and_the_bin_in_italian(plan, world) -> None:
    route = next(r for r in plan.routes if len(_bin_stops(r)) >= 2)
    first, second = _bin_stops(route)[:2]
    first.planned_kg = second.planned_kg = 1600  # each fits the 3,000 kg truck, both together do not

    with pytest.raises(ValidationError) as refused:
        services.reorder_stop(plan, second.id, 1, expected_version=1)

    message = refused.value.message
    assert route.vehicle.plate in message and "oltre la capienza di 3.000 kg" in message
    assert second.bin.code in message or first.bin.code in message
    assert "outside capacity" not in message and "veh:" not in message and "bin:" not in message
