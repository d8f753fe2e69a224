"""A truck is on one open round at a time and a bin is emptied once a day: publishing and planning keep it so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from app.core.clock import utcnow
from app.errors import ValidationError
from app.extensions import db
from app.rounds import services
from app.rounds.adapters import PlanningInputError
from app.rounds.models import RoundPlan, StopStatus
from app.rounds.services import plan_day
from tests.app import factories
from tests.app.conftest import post_form
from tests.app.races import race


def _plan(world, **overrides) -> RoundPlan:
    plan = plan_day(world.params(**overrides))
    for route in plan.routes:
        route.driver_id = world.driver.id
    db.session.commit()
    return plan


def _bins(plan: RoundPlan) -> set[int]:
    return {s.bin_id for r in plan.routes for s in r.stops if s.bin_id is not None}


@pytest.fixture
def published(world) -> RoundPlan:
    for v in world.vehicles:
        v.capacity_kg = 3000  # every bin fits: no bin is left for a second plan
    plan = _plan(world)
    services.publish_plan(plan, plan.version)
    db.session.commit()
    return plan


def test_a_new_plan_of_the_day_leaves_out_the_bins_already_on_a_published_round(world, published) -> None:
    extra = factories.BinFactory(operator=world.vehicles[0].organisation, lon=9.1920, lat=45.4594, code="ZZ-NEW")
    db.session.commit()

    second = _plan(world, seed=2)

    assert _bins(published) == {b.id for b in world.bins}
    assert _bins(second) == {extra.id}


def test_planning_a_day_whose_bins_are_all_on_published_rounds_says_so(world, published) -> None:
    with pytest.raises(PlanningInputError, match="già nei giri pubblicati di questo giorno"):
        plan_day(world.params(seed=2))


def test_a_bin_emptied_already_or_on_another_days_round_is_planned_again(world, published) -> None:
    done = next(s for r in published.routes for s in r.stops if s.bin_id is not None)
    done.status, done.actual_kg, done.completed_at = StopStatus.DONE, 120.0, utcnow()
    db.session.commit()

    today_again = _plan(world, seed=2)
    next_day = _plan(world, service_date=world.tomorrow + timedelta(days=1))

    assert _bins(today_again) == {done.bin_id}
    assert _bins(next_day) == {b.id for b in world.bins}


def test_publishing_a_second_plan_with_the_same_trucks_and_bins_is_refused_and_changes_nothing(world) -> None:
    for v in world.vehicles:
        v.capacity_kg = 3000
    first, second = _plan(world), _plan(world, seed=2)  # both drafts hold every bin
    services.publish_plan(first, first.version)
    db.session.commit()

    with pytest.raises(ValidationError) as refused:
        services.publish_plan(second, second.version)
    db.session.rollback()

    message = refused.value.message
    plates = {r.vehicle.plate for r in second.routes if r.stops}
    assert message.startswith("Non si può pubblicare.")
    assert all(f"Il mezzo {p} è già in giro nel piano n. {first.id}" in message for p in plates)
    assert f"{len(world.bins)} fermate sono ancora da fare in giri pubblicati dello stesso giorno" in message
    assert all(b.code in message for b in world.bins)
    db.session.expire_all()
    assert db.session.get(RoundPlan, second.id).status == "draft"


def test_a_truck_whose_other_round_is_over_or_later_may_be_published_again(world, published) -> None:
    morning = next(r for r in published.routes if r.stops)
    extra = factories.BinFactory(operator=world.vehicles[0].organisation, lon=9.1920, lat=45.4594, code="ZZ-NEW")
    db.session.commit()
    second = _plan(world, vehicle_ids=(morning.vehicle_id,), seed=3)
    assert _bins(second) == {extra.id}
    with pytest.raises(ValidationError, match="è già in giro"):
        services.publish_plan(second, second.version)
    db.session.rollback()

    later = next(r for r in second.routes if r.stops)
    shift = morning.end_at - later.start_at + timedelta(minutes=1)
    later.start_at, later.end_at = later.start_at + shift, later.end_at + shift  # the afternoon, after the morning
    db.session.commit()
    services.publish_plan(second, second.version)
    db.session.commit()

    assert db.session.get(RoundPlan, second.id).status == "published"


def test_a_closed_round_frees_its_truck(world, published) -> None:
    morning = next(r for r in published.routes if r.stops)
    morning.closed_at = utcnow()  # its driver closed it
    for route in published.routes:  # every bin emptied: they may be planned again
        for stop in route.stops:
            stop.status = StopStatus.DONE if stop.bin_id else stop.status
    db.session.commit()
    second = _plan(world, vehicle_ids=(morning.vehicle_id,), seed=2)

    services.publish_plan(second, second.version)
    db.session.commit()

    assert db.session.get(RoundPlan, second.id).status == "published"


def test_the_review_page_says_why_a_draft_cannot_be_published_and_the_form_refuses_it(client, login_as, world) -> None:
    for v in world.vehicles:
        v.capacity_kg = 3000
    first, second = _plan(world), _plan(world, seed=2)
    services.publish_plan(first, first.version)
    db.session.commit()
    login_as("coordinator")
    url = f"/rounds/{second.id}"

    html = client.get(url).get_data(as_text=True)
    warnings = html[html.index('data-role="publish-warnings"') :]
    response = post_form(client, f"{url}/publish", {"version": second.version, "confirm": "y"}, url)
    after = client.get(url).get_data(as_text=True)

    assert 'data-role="clash"' in warnings and f"piano n. {first.id}" in warnings
    assert response.status_code == 302
    assert "Non si può pubblicare." in after and "Ricalcola questo piano: ne resteranno fuori." in after
    db.session.expire_all()
    assert db.session.get(RoundPlan, second.id).status == "draft"


def test_of_three_drafts_sharing_trucks_published_at_once_exactly_one_goes_out(app, world) -> None:
    drafts = [_plan(world, seed=seed).id for seed in (1, 2, 3)]
    db.session.commit()  # reading the last id began a transaction: on SQLite it would hold the write lock

    def publish(plan_id: int) -> Callable[[], None]:
        def call() -> None:
            plan = db.session.get(RoundPlan, plan_id)
            services.publish_plan(plan, plan.version)

        return call

    results = race(app, [publish(i) for i in drafts], ValidationError)

    assert results.count("ok") == 1
    assert all(r.startswith("Non si può pubblicare.") for r in results if r != "ok")
    db.session.expire_all()
    assert [db.session.get(RoundPlan, i).status for i in drafts].count("published") == 1
