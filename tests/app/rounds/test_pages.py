"""Planning pages: new plan → job → review map; edits with version; roles."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.core.clock import local_today
from app.extensions import db
from app.rounds import services
from app.rounds.models import PlanningJob, RoundPlan
from app.rounds.services import plan_day
from tests.app import factories
from tests.app.conftest import csrf_token, fleet_rows, post_form


@pytest.fixture
def plan(world) -> RoundPlan:
    for v in world.vehicles:
        v.capacity_kg = 3000  # no mid-round unloads: every reorder is feasible
    plan = plan_day(world.params())
    db.session.commit()
    return plan


def test_coordinator_plans_from_the_form_follows_the_job_and_lands_on_the_review(
    client, login_as, world, sqlite_queue
) -> None:
    login_as("coordinator")
    page = client.get("/rounds/plan/new")
    assert page.status_code == 200 and "Impianto Pantano" in page.get_data(as_text=True)
    v1, v2 = world.vehicles
    data = {
        "service_date": world.tomorrow.isoformat(),
        "plant_id": world.plant.id,
        "vehicle_ids": [v1.id, v2.id],
        f"driver_{v1.id}": world.driver.id,
        "threshold_percent": 80,
        "time_limit_s": 1,
    }

    response = post_form(client, "/rounds/plan/new", data)

    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert sqlite_queue.run_pending() == 1
    status = client.get(job_url + ".json").get_json()
    assert status["status"] == "succeeded"
    review = client.get(job_url)
    assert review.status_code == 302 and review.headers["Location"] == status["plan_url"]
    plan = db.session.scalars(db.select(RoundPlan)).one()
    assert plan.routes[0].driver_id in (world.driver.id, None)


def test_the_form_refuses_a_date_in_the_past(client, login_as, world) -> None:
    login_as("coordinator")
    data = {
        "service_date": "2020-01-02",
        "plant_id": world.plant.id,
        "vehicle_ids": [world.vehicles[0].id],
        "threshold_percent": 80,
        "time_limit_s": 5,
    }

    response = post_form(client, "/rounds/plan/new", data)

    assert response.status_code == 422
    assert "nel passato" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PlanningJob)) == 0


def test_the_review_page_shows_the_map_routes_and_unassigned_bins(client, login_as, plan, world) -> None:
    login_as("coordinator")

    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)

    assert 'id="plan-map"' in html and "/vendor/leaflet/leaflet.js" in html
    assert "OpenStreetMap" in html
    assert world.vehicles[0].plate in html or world.vehicles[1].plate in html
    assert world.bins[0].code in html
    assert 'data-role="approximate"' in html and "La rete stradale non è caricata" in html
    assert "ROAD_NETWORK_FILE" not in html  # the technical hint is for admins only
    assert "Pubblica" in html


def test_a_stale_edit_answers_409_with_the_reload_message(client, login_as, plan) -> None:
    login_as("coordinator")
    stop = plan.routes[0].stops[0]
    form = {"stop_id": stop.id, "action": "lock", "version": plan.version}
    post_form(client, f"/rounds/{plan.id}/edit", form, form_url=f"/rounds/{plan.id}")

    response = post_form(client, f"/rounds/{plan.id}/edit", form | {"action": "unlock"}, form_url=f"/rounds/{plan.id}")

    assert response.status_code == 409
    assert "Il piano è stato modificato da qualcun altro: ricarica la pagina" in response.get_data(as_text=True)


def test_moving_a_stop_from_the_review_page_saves_a_new_version(client, login_as, plan) -> None:
    login_as("coordinator")
    source, target = plan.routes
    stop = next(s for s in source.stops if s.kind == "bin")
    form = {"stop_id": stop.id, "action": "move", "to_route_id": target.id, "position": 1, "version": 1}

    response = post_form(client, f"/rounds/{plan.id}/edit", form, form_url=f"/rounds/{plan.id}")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).version == 2
    assert db.session.get(type(stop), stop.id).route_id == target.id
    assert "ricontrollato" in client.get(f"/rounds/{plan.id}").get_data(as_text=True)


def test_publish_button_publishes_the_plan(client, login_as, plan, world) -> None:
    login_as("coordinator")
    for route in plan.routes:
        route.driver_id = world.driver.id
    db.session.commit()

    form = {"version": 1, "confirm": "y"}
    response = post_form(client, f"/rounds/{plan.id}/publish", form, form_url=f"/rounds/{plan.id}")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).status == "published"


def test_operators_see_their_organisations_plans_but_cannot_edit(client, login_as, plan, world) -> None:
    login_as("operator", organisation=world.vehicles[0].organisation)

    assert client.get(f"/rounds/{plan.id}").status_code == 200
    assert 'name="stop_id"' not in client.get(f"/rounds/{plan.id}").get_data(as_text=True)
    token = csrf_token(client, "/rounds/")
    assert client.post(f"/rounds/{plan.id}/publish", data={"version": 1, "csrf_token": token}).status_code == 403


def test_operators_of_another_organisation_do_not_see_the_plan(client, login_as, plan) -> None:
    login_as("operator", organisation=factories.OrganisationFactory())

    assert client.get(f"/rounds/{plan.id}").status_code == 404
    assert f"/rounds/{plan.id}" not in client.get("/rounds/").get_data(as_text=True)


def test_drivers_cannot_open_the_planning_pages(client, login_as) -> None:
    login_as("driver")

    assert client.get("/rounds/").status_code == 403
    assert client.get("/rounds/plan/new").status_code == 403


def test_the_navbar_has_giri_for_coordinators(client, login_as) -> None:
    login_as("coordinator")

    assert re.search(r'href="/rounds/"[^>]*>Giri<', client.get("/").get_data(as_text=True))


def test_the_form_ticks_the_trucks_out_on_the_day_and_marks_those_off_duty(client, login_as, world) -> None:
    on, off = world.vehicles
    tomorrow = world.tomorrow.weekday()
    on.service_weekdays = [tomorrow]
    off.service_weekdays = [d for d in range(7) if d != tomorrow]
    db.session.commit()
    login_as("coordinator")

    html = client.get("/rounds/plan/new").get_data(as_text=True)

    assert fleet_rows(html) == {on.id: (True, False), off.id: (False, True)}
    assert re.search(r'data-role="day-name"[^>]*>\w{3} ' + world.tomorrow.strftime("%d/%m/%Y"), html)


def test_the_form_leaves_unticked_a_truck_on_a_published_round_that_day(client, login_as, world) -> None:
    for v in world.vehicles:
        v.capacity_kg = 3000
    plan = plan_day(world.params(vehicle_ids=(world.vehicles[0].id,)))
    services.publish_plan(plan, plan.version)
    db.session.commit()
    login_as("coordinator")

    rows = fleet_rows(client.get("/rounds/plan/new").get_data(as_text=True))

    assert rows == {world.vehicles[0].id: (False, False), world.vehicles[1].id: (True, False)}


def test_a_holiday_is_named_and_a_truck_that_does_not_work_holidays_is_off_duty(client, login_as, world) -> None:
    christmas = date(local_today().year + 1, 12, 25)
    resting, working = world.vehicles
    resting.works_holidays = False
    db.session.commit()
    login_as("coordinator")
    data = {"service_date": christmas.isoformat(), "plant_id": world.plant.id, "threshold_percent": 80}

    response = post_form(client, "/rounds/plan/new", data | {"time_limit_s": 0})  # refused: the page again

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-role="day-name"[^>]*>\w{3} 25/12/\d{4} · Natale<', html)
    assert fleet_rows(html) == {resting.id: (False, True), working.id: (False, False)}


def test_a_truck_off_duty_that_day_goes_out_as_an_extra_shift_and_the_coordinator_is_told(
    client, login_as, world, sqlite_queue
) -> None:
    off, on = world.vehicles
    off.service_weekdays = [d for d in range(7) if d != world.tomorrow.weekday()]
    db.session.commit()
    login_as("coordinator")
    data = {
        "service_date": world.tomorrow.isoformat(),
        "plant_id": world.plant.id,
        "vehicle_ids": [off.id, on.id],
        "threshold_percent": 80,
        "time_limit_s": 1,
    }

    response = post_form(client, "/rounds/plan/new", data)

    assert response.status_code == 302
    assert sqlite_queue.run_pending() == 1
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    told = page.split("turno straordinario")[1][:80]  # the flash message names the truck off duty, only that one
    assert off.plate in told and on.plate not in told
    plan = db.session.scalars(db.select(RoundPlan)).one()
    assert {r.vehicle_id for r in plan.routes} == {off.id, on.id}
