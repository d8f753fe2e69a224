"""Planning delivery rounds: vans loaded by kg, litres and pieces, household windows kept through edits,
planning as a background job, and deliveries taken (coded, notified) only when a plan is published."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.clock import local_today
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.rounds import services as rounds
from app.rounds.models import PlanningJob, RoundPlan
from app.stock.catalog import CATEGORIES, PACKED_LITRES
from app.welfare import allocation, delivery_planning, workflow
from app.welfare.models import Delivery
from tests.app import factories
from tests.app.conftest import fleet_rows, login, post_form
from tests.app.welfare.conftest import approved, stock_of

# Three households of Milano a few kilometres apart (Città Studi, Porta Romana, Lorenteggio).
PLACES = [(9.2270, 45.4780), (9.2030, 45.4520), (9.1300, 45.4520)]

pytestmark = pytest.mark.usefixtures("morning")  # today's rounds need the day still ahead


def _family(office: Any, place: tuple[float, float]) -> Any:
    household = factories.HouseholdFactory(office=office, identity__lon=place[0], identity__lat=place[1])
    factories.MemberFactory(household=household, label="Figlio", gender="bambino", clothing_size="8 anni")
    factories.MemberFactory(household=household, label="Figlia", gender="bambina", clothing_size="5 anni")
    return household


def _ready(households: list[Any], people: Any, **fields: Any) -> list[Any]:
    """A ready request per household (a coat and two jumpers each), reserved on the shelf."""
    worker, coordinator, operator, shelf = people
    stock_of(shelf, 10)
    stock_of(shelf, 20, category="maglione", age_group="bambina", size="5 anni")
    ready = []
    for household in households:
        request = approved(household, worker, coordinator, **fields)
        allocation.allocate(request, operator)
        workflow.mark_ready(request, operator)
        ready.append(request)
    db.session.commit()
    return ready


def _van(shelf: Any, **capacity: Any) -> Any:
    van = factories.VehicleFactory(home_site=shelf.site, capacity_kg=500, **capacity)
    db.session.commit()
    return van


def _plan(people: Any, *vans: Any) -> RoundPlan:
    coordinator, shelf = people[1], people[3]
    params = delivery_planning.DeliveryPlanParams(local_today(), shelf.site_id, tuple(v.id for v in vans), {}, 2.0)
    plan = delivery_planning.plan_deliveries(params, coordinator)
    db.session.commit()
    return plan


def _delivery(request: Any) -> Delivery:
    found = db.session.scalar(select(Delivery).where(Delivery.request_id == request.id))
    db.session.refresh(found)
    return found


def _kinds(plan: RoundPlan) -> list[list[str]]:
    return [[s.kind for s in r.stops] for r in plan.routes if r.stops]


def test_every_garment_category_has_a_packed_volume() -> None:
    assert set(PACKED_LITRES) == set(CATEGORIES)


def test_a_delivery_stop_carries_the_weight_litres_and_pieces_of_its_reserved_garments(household, people):
    (request,) = _ready([household], people)
    load = delivery_planning.load_of(request)
    assert (load.pieces, load.litres) == (3, 8 + 2 * 3)  # a coat (8 L) and two jumpers (3 L each)
    plan = _plan(people, _van(people[3]))
    stop = plan.routes[0].stops[0]
    assert (stop.planned_kg, stop.planned_volume_l, stop.planned_pieces) == (load.kg, 14, 3)
    assert (stop.window_start_s, stop.window_end_s) == (9 * 3600, 13 * 3600)


@pytest.mark.parametrize(
    "capacity",
    [{"capacity_pieces": 4}, {"capacity_m3": Decimal("0.02")}],  # 4 pieces, or 20 litres, per trip
    ids=["pieces", "litres"],
)
def test_a_van_full_in_pieces_or_litres_goes_back_to_the_warehouse_between_deliveries(office_a, people, capacity):
    _ready([_family(office_a, p) for p in PLACES[:2]], people)  # 3 pieces and 14 L each
    plan = _plan(people, _van(people[3], **capacity))
    assert _kinds(plan) == [["delivery", "reload", "delivery"]]
    roomy = _plan(people, _van(people[3], capacity_pieces=6, capacity_m3=Decimal("0.03")))
    assert _kinds(roomy) == [["delivery", "delivery"]]


def test_a_delivery_too_big_for_every_van_is_left_out_with_what_it_needs(household, people):
    (request,) = _ready([household], people)
    load = delivery_planning.load_of(request)
    plan = _plan(people, _van(people[3], capacity_pieces=2))
    assert not any(r.stops for r in plan.routes)
    (left,) = plan.unassigned
    assert left.reference == f"delivery:{_delivery(request).id}"
    assert left.reason == f"Richiede {load.kg} kg, 14 litri, 3 capi: non entra in nessuno dei veicoli scelti"


def test_moving_a_delivery_so_that_a_household_window_is_missed_is_refused(office_a, people):
    early, late = (_family(office_a, p) for p in PLACES[:2])
    db.session.commit()
    _ready([early], people, window_start=time(9, 0), window_end=time(9, 45))
    worker, coordinator, operator, shelf = people
    request = approved(late, worker, coordinator, window_start=time(11, 0), window_end=time(12, 0))
    allocation.allocate(request, operator)
    workflow.mark_ready(request, operator)
    db.session.commit()
    plan = _plan(people, _van(shelf))
    route = plan.routes[0]
    first, second = route.stops
    assert second.arrival_at > first.arrival_at
    version, times = plan.version, [(s.id, s.arrival_at) for s in route.stops]
    with pytest.raises(ValidationError, match="Modifica non fattibile"):
        rounds.reorder_stop(plan, second.id, 1, plan.version)
    db.session.rollback()
    db.session.refresh(plan)
    assert plan.version == version and [(s.id, s.arrival_at) for s in plan.routes[0].stops] == times


def test_a_draft_takes_nothing_and_publication_codes_and_tells_each_household_once(household, people, memory_notify):
    (request,) = _ready([household], people)
    # both drafts hold the same delivery (with two vans: one van on both would be refused for the van)
    first, second = _plan(people, _van(people[3])), _plan(people, _van(people[3]))
    assert _delivery(request).status == "to_plan" and not [m for m in memory_notify if m.channel == "sms"]
    assert [d.id for d in delivery_planning.due_deliveries()] == [_delivery(request).id]

    rounds.publish_plan(first, first.version, people[1])
    db.session.commit()
    sms = [m.body for m in memory_notify if m.channel == "sms"]
    assert len(sms) == 1 and re.search(r"Codice di consegna: \d{6}", sms[0])
    assert _delivery(request).status == "scheduled" and delivery_planning.due_deliveries() == []

    with pytest.raises(ConflictError, match=household.code):
        rounds.publish_plan(second, second.version, people[1])
    db.session.rollback()
    db.session.refresh(second)
    assert second.status == "draft" and len([m for m in memory_notify if m.channel == "sms"]) == 1


def test_a_cancelled_request_stops_its_draft_from_being_published(household, people, memory_notify):
    (request,) = _ready([household], people)
    plan = _plan(people, _van(people[3]))
    workflow.cancel(request, people[0])
    db.session.commit()
    with pytest.raises(ConflictError, match="Ricalcola le consegne"):
        rounds.publish_plan(plan, plan.version, people[1])
    db.session.rollback()
    assert db.session.get(RoundPlan, plan.id).status == "draft" and not memory_notify


def test_the_deliveries_page_plans_in_a_background_job_with_vans_and_drivers(
    client, household, people, sqlite_queue, memory_notify
):
    (request,) = _ready([household], people)
    coordinator, shelf = people[1], people[3]
    van, spare = _van(shelf, capacity_pieces=300), _van(shelf)
    driver = factories.UserFactory(role="driver", organisation=van.organisation)
    db.session.commit()
    login(client, coordinator.email)
    page = client.get("/welfare/deliveries").get_data(as_text=True)
    assert f"{van.plate}" in page and "300 capi" in page and "3 capi, " in page
    form = {
        "service_date": local_today().isoformat(),
        "warehouse_id": shelf.site_id,
        "time_limit_s": 2,
        "vehicle_ids": [van.id, spare.id],
        f"driver_{van.id}": driver.id,
    }
    response = post_form(client, "/welfare/deliveries", form)
    assert response.status_code == 302 and "/rounds/jobs/" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(RoundPlan)) == 0  # nothing computed in the request
    db.session.commit()  # the worker writes: end the test's own transaction first

    assert sqlite_queue.run_pending() == 1
    job = db.session.scalar(select(PlanningJob))
    db.session.refresh(job)
    assert (job.kind, job.status) == ("delivery", "succeeded")
    plan = db.session.get(RoundPlan, job.plan_id)
    assert plan.kind == "delivery" and {r.vehicle_id for r in plan.routes} == {van.id, spare.id}
    served = next(r for r in plan.routes if r.stops)
    assert [s.reference for s in served.stops] == [_delivery(request).reference]
    assert client.get(response.headers["Location"]).status_code == 302  # the job page opens the plan
    review = client.get(f"/rounds/{plan.id}").get_data(as_text=True)
    assert "<td data-window>09:00–13:00</td>" in review and '<td class="text-end" data-pieces>3</td>' in review


def test_the_deliveries_form_starts_on_tomorrow_marks_the_vans_off_duty_and_tells_of_an_extra_shift(
    client, household, people, sqlite_queue
):
    _ready([household], people)
    coordinator, shelf = people[1], people[3]
    van, spare = _van(shelf), _van(shelf)
    tomorrow = local_today() + timedelta(days=1)
    spare.service_weekdays = [d for d in range(7) if d != tomorrow.weekday()]
    db.session.commit()
    login(client, coordinator.email)

    page = client.get("/welfare/deliveries").get_data(as_text=True)

    assert f'value="{tomorrow.isoformat()}"' in page
    assert fleet_rows(page) == {van.id: (False, False), spare.id: (False, True)}  # the vans are the coordinator's pick
    form = {
        "service_date": tomorrow.isoformat(),
        "warehouse_id": shelf.site_id,
        "time_limit_s": 1,
        "vehicle_ids": [van.id, spare.id],
    }
    response = post_form(client, "/welfare/deliveries", form)
    assert response.status_code == 302
    told = client.get(response.headers["Location"]).get_data(as_text=True).split("turno straordinario")[1][:80]
    assert spare.plate in told and van.plate not in told


def test_bad_delivery_planning_choices_are_refused_before_anything_is_queued(client, household, people, sqlite_queue):
    _ready([household], people)
    login(client, people[1].email)
    van = _van(people[3])
    form = {"service_date": "2020-01-01", "warehouse_id": people[3].site_id, "time_limit_s": 2, "vehicle_ids": [van.id]}
    response = post_form(client, "/welfare/deliveries", form)
    assert response.status_code == 422 and "La data del servizio è nel passato." in response.get_data(as_text=True)
    plant = factories.SortingPlantFactory()
    db.session.commit()
    response = post_form(client, "/welfare/deliveries", form | {"service_date": "", "vehicle_ids": []})
    assert response.status_code == 422 and "Scegli almeno un veicolo." in response.get_data(as_text=True)
    with pytest.raises(ValidationError, match="Scegli un magazzino attivo"):
        delivery_planning.start_planning(
            delivery_planning.DeliveryPlanParams(local_today(), plant.id, (van.id,), {}), people[1]
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PlanningJob)) == 0
    assert db.session.scalar(select(Delivery.status)) == "to_plan"
