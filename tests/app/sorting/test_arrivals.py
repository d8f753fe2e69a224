"""Round → plant: a round's unloads wait for intake, each taken in once with its pickups."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.rounds import driver_services
from app.sorting import arrivals, services
from app.sorting.models import IntakeBatch, KgEntry, batch_pickup
from tests.app import factories
from tests.app.conftest import _backend
from tests.app.races import race
from tests.app.sorting.helpers import ARRIVAL, driven_round


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _take_in(arrival, gross="1200", tare="1000", **changes) -> IntakeBatch:
    data = services.IntakeData(
        site_id=arrival.site.id,
        source="round",
        received_at=ARRIVAL,
        gross_kg=gross,
        tare_kg=tare,
        route_id=arrival.route.id,
        unload_stop_id=arrival.stop_id,
    )
    return services.record_intake(services.IntakeData(**{**data.__dict__, **changes}), None)


def test_a_round_with_a_reload_waits_as_one_entry_per_unload_with_the_pickups_before_it():
    route = driven_round("BBRBB", kg=100)
    reload = route.stops[2]
    assert route.closed_at is None  # the last bins are done, but the driver has not closed the round
    waiting = arrivals.waiting(None)
    assert [(a.stop_id, len(a.pickups), a.kg) for a in waiting] == [(reload.id, 2, Decimal(200))]
    assert waiting[0].bins == sorted(s.bin.code for s in route.stops[:2])
    driver_services.close_route(route.id, route.driver)
    waiting = arrivals.waiting(None)
    assert [(a.stop_id, [p.id for p in a.pickups]) for a in waiting] == [
        (reload.id, [route.stops[0].pickup_id, route.stops[1].pickup_id]),
        (None, [route.stops[3].pickup_id, route.stops[4].pickup_id]),
    ]


def test_pickups_made_at_a_round_stop_carry_the_rounds_vehicle():
    route = driven_round("BR")
    pickup = arrivals.waiting(None)[0].pickups[0]
    assert pickup.vehicle_id == route.vehicle_id


def test_the_final_unload_done_with_nothing_pending_ends_the_round():
    route = driven_round("BBR")
    assert route.closed_at is not None and route.closed_by == route.driver
    assert [a.stop_id for a in arrivals.waiting(None)] == [route.stops[2].id]  # no empty «end of round» entry


def test_intake_of_an_unload_is_one_action_linking_its_pickups_and_leaves_the_list():
    route = driven_round("BBRBB", kg=100)
    arrival = arrivals.waiting(None)[0]
    batch = _take_in(arrival, gross="1210", tare="1000")
    assert batch.source == "round" and batch.route_id == route.id and batch.unload_stop_id == route.stops[2].id
    assert [p.id for p in batch.pickups] == [route.stops[0].pickup_id, route.stops[1].pickup_id]
    assert batch.net_kg == Decimal(210) and not services.pickup_check(batch).flagged
    assert arrivals.waiting(None) == []


def test_the_end_of_a_closed_round_is_taken_in_with_the_pickups_after_the_last_unload():
    route = driven_round("BBRBB", kg=100)
    driver_services.close_route(route.id, route.driver)
    end = arrivals.find(route.id, None)
    batch = _take_in(end)
    assert batch.end_of_route_id == route.id and batch.unload_stop_id is None
    assert {p.id for p in batch.pickups} == {route.stops[3].pickup_id, route.stops[4].pickup_id}


def test_the_same_unload_cannot_be_taken_in_twice_and_nothing_changes():
    route = driven_round("BBR")
    arrival = arrivals.find(route.id, route.stops[2].id)
    first = _take_in(arrival)
    with pytest.raises(ConflictError, match=f"già stato preso in carico \\(lotto {first.lot_code}\\)"):
        _take_in(arrival)
    assert _count(IntakeBatch) == 1 and _count(KgEntry) == 1 and _count(batch_pickup) == 2


def test_pickups_of_an_unload_cannot_be_taken_in_again_by_hand():
    route = driven_round("BBR")
    _take_in(arrivals.find(route.id, route.stops[2].id))
    with pytest.raises(ConflictError, match="già in un altro carico"):
        services.record_intake(
            services.IntakeData(
                route.end_site_id, "round", ARRIVAL, "1200", "1000", pickup_ids=(route.stops[0].pickup_id,)
            ),
            None,
        )
    assert _count(IntakeBatch) == 1


def test_a_difference_beyond_the_tolerance_needs_a_reason_which_is_kept():
    route = driven_round("BBR", kg=100)  # 200 kg logged
    arrival = arrivals.find(route.id, route.stops[2].id)
    with pytest.raises(ValidationError) as error:
        _take_in(arrival, gross="1300", tare="1000")  # 300 kg: +100 kg, +50 %
    assert error.value.field == "difference_reason"
    assert "100,0 kg (50,0 %)" in error.value.message and "tolleranza del 10,0 %" in error.value.message
    assert _count(IntakeBatch) == 0 and _count(KgEntry) == 0
    batch = _take_in(arrival, gross="1300", tare="1000", difference_reason="  sacchi a terra raccolti al MI-0003 ")
    assert batch.difference_reason == "sacchi a terra raccolti al MI-0003"


def test_an_unload_is_taken_in_only_at_its_plant_and_by_its_organisation():
    route = driven_round("BR")
    arrival = arrivals.find(route.id, route.stops[1].id)
    elsewhere = factories.SortingPlantFactory()
    with pytest.raises(ValidationError, match="altro impianto"):
        _take_in(arrival, site_id=elsewhere.id)
    stranger = factories.UserFactory(role="operator")
    with pytest.raises(PermissionDenied):
        data = services.IntakeData(arrival.site.id, "round", ARRIVAL, "1100", "1000", route_id=route.id)
        services.record_intake(services.IntakeData(**{**data.__dict__, "unload_stop_id": route.stops[1].id}), stranger)
    assert arrivals.waiting(stranger) == []
    assert _count(IntakeBatch) == 0


def test_an_unload_not_yet_done_or_a_round_not_closed_is_not_waiting():
    route = driven_round("BBRB", done=2)
    with pytest.raises(NotFoundError, match="non ancora fatto"):
        arrivals.find(route.id, route.stops[2].id)
    with pytest.raises(NotFoundError, match="non è ancora chiuso"):
        arrivals.find(route.id, None)
    assert arrivals.waiting(None) == []


def test_a_corrected_pickup_travels_as_its_correction():
    from app.collection import services as collection

    route = driven_round("BR", kg=100)
    original = route.stops[0].pickup_id
    correction = collection.correct_pickup(
        original, collection.PickupData(weight_kg=120, collected_at=ARRIVAL), route.driver
    )
    arrival = arrivals.find(route.id, route.stops[1].id)
    assert [p.id for p in arrival.pickups] == [correction.id] and arrival.kg == Decimal(120)


@pytest.mark.skipif(_backend() != "postgresql", reason="row locks: PostgreSQL (SQLite serialises every writer)")
def test_two_simultaneous_intakes_of_one_unload_record_it_once(app):
    route = driven_round("BBR")
    data = services.IntakeData(
        route.end_site_id, "round", ARRIVAL, "1200", "1000", route_id=route.id, unload_stop_id=route.stops[2].id
    )
    db.session.commit()
    results = race(app, [lambda: services.record_intake(data, None)] * 4, ConflictError)
    assert results.count("ok") == 1
    assert all("già stato preso in carico" in r for r in results if r != "ok"), results
    assert _count(IntakeBatch) == 1 and _count(batch_pickup) == 2
