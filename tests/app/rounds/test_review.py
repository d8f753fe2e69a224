"""The review page shows what a plan leaves behind, asks before publishing and freezes a published plan."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.rounds import jobs, labels, selection, services
from app.rounds.models import JobStatus, PlanningJob, RoundPlan, UnassignedStop
from app.rounds.services import plan_day
from tests.app import factories
from tests.app.conftest import post_form


@pytest.fixture
def plan(world) -> RoundPlan:
    for v in world.vehicles:
        v.capacity_kg = 3000  # no mid-round unloads
    plan = plan_day(world.params())
    db.session.commit()
    return plan


def _with_drivers(plan: RoundPlan, world) -> None:
    for route in plan.routes:
        route.driver_id = world.driver.id
    db.session.commit()


def _left_out(plan: RoundPlan, world, n: int = 2) -> None:
    extra = [factories.BinFactory(operator=world.vehicles[0].organisation, code=f"ZZ-{i}") for i in range(n)]
    db.session.flush()
    reason = "Obbligatorio ma senza capacità o tempo residuo nei turni dei veicoli scelti"
    plan.unassigned += [UnassignedStop(bin_id=b.id, required=True, planned_kg=250, reason=reason) for b in extra]
    db.session.commit()


def test_the_summary_names_the_required_bins_left_out_with_their_kg_and_reason(client, login_as, plan, world) -> None:
    _left_out(plan, world, 2)
    login_as("coordinator")

    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)

    summary = html[html.index('data-role="summary"') : html.index('data-role="publish"')]
    assert "2 contenitori obbligatori lasciati fuori" in summary and "circa 500 kg" in summary
    assert "senza capacità o tempo residuo nei turni" in summary
    map_data = json.loads(re.search(r'id="plan-data">(.*?)</script>', html, re.S).group(1))
    assert sorted(p["code"] for p in map_data["left_out"]) == ["ZZ-0", "ZZ-1"]
    assert "Cassonetti" not in html


def test_a_plan_without_left_out_bins_says_so(client, login_as, plan) -> None:
    login_as("coordinator")

    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)

    assert "Tutti i contenitori obbligatori sono nei giri." in html


def test_each_route_is_a_collapsible_section_with_its_sheet_gpx_and_report(client, login_as, plan) -> None:
    login_as("coordinator")

    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)

    for route in (r for r in plan.routes if r.stops):
        assert re.search(rf'<details[^>]*data-route="{route.id}"', html)
        assert f"/rounds/route/{route.id}/sheet.pdf" in html and f"/rounds/route/{route.id}.gpx" in html
    assert f"/rounds/{plan.id}/report" in html
    assert 'class="review-map"' in html


def test_publishing_needs_the_confirmation_ticked(client, login_as, plan, world) -> None:
    _with_drivers(plan, world)
    login_as("coordinator")

    response = post_form(client, f"/rounds/{plan.id}/publish", {"version": 1}, form_url=f"/rounds/{plan.id}")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).status == "draft"
    assert "Spunta la conferma per pubblicare." in client.get(f"/rounds/{plan.id}").get_data(as_text=True)


def test_publishing_unconfirmed_asks_for_the_confirmation_also_with_csrf_off(
    app, client, login_as, monkeypatch, plan, world
) -> None:
    _with_drivers(plan, world)
    login_as("coordinator")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the form then has no csrf_token field

    response = client.post(f"/rounds/{plan.id}/publish", data={"version": 1})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).status == "draft"


def test_publishing_refuses_routes_without_a_driver_and_names_them(client, login_as, plan, world) -> None:
    login_as("coordinator")
    bare = [r for r in plan.routes if r.stops and r.driver_id is None]
    assert bare  # the fixture gives a driver to the first truck only

    form = {"version": 1, "confirm": "y"}
    post_form(client, f"/rounds/{plan.id}/publish", form, form_url=f"/rounds/{plan.id}")

    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).status == "draft"
    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)
    assert "Non si può pubblicare" in html and bare[0].vehicle.plate in html


def test_a_driver_assigned_on_the_review_page_lets_the_plan_be_published(client, login_as, plan, world) -> None:
    login_as("coordinator")
    bare = next(r for r in plan.routes if r.stops and r.driver_id is None)
    url = f"/rounds/{plan.id}"

    post_form(client, f"{url}/driver", {"version": 1, "route_id": bare.id, "driver_id": world.driver.id}, url)
    post_form(client, f"{url}/publish", {"version": 2, "confirm": "y"}, url)

    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).status == "published"


def test_the_publish_box_warns_of_left_out_bins_and_double_booked_drivers(client, login_as, plan, world) -> None:
    _with_drivers(plan, world)
    _left_out(plan, world, 1)
    other = plan_day(world.params(seed=2))
    for route in other.routes:
        route.driver_id = world.driver.id
    other.kind, other.status = "delivery", "published"
    db.session.commit()
    login_as("coordinator")

    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)

    warnings = html[html.index('data-role="publish-warnings"') :]
    assert "1 contenitore obbligatorio resta fuori dai giri" in warnings
    assert 'data-role="double-booking"' in warnings and "piano delle consegne" in warnings
    assert world.driver.full_name in warnings


def test_a_published_plan_is_read_only_and_edits_answer_409(client, login_as, plan, world) -> None:
    _with_drivers(plan, world)
    services.publish_plan(plan, 1)
    db.session.commit()
    login_as("coordinator")
    stop = plan.routes[0].stops[0]

    form = {"stop_id": stop.id, "action": "lock", "version": plan.version}
    response = post_form(client, f"/rounds/{plan.id}/edit", form, form_url=f"/rounds/{plan.id}")

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Il piano è pubblicato e non si modifica più a mano" in html
    assert 'data-role="edit-form"' not in html and 'data-role="driver-form"' not in html
    assert "Ripianifica da adesso" in html
    db.session.expire_all()
    assert not db.session.get(type(stop), stop.id).locked


def test_moving_a_stop_of_a_published_plan_is_refused(plan, world) -> None:
    services.publish_plan(plan, 1)
    stop = plan.routes[0].stops[0]

    with pytest.raises(ConflictError, match="pubblicato"):
        services.set_locked(plan, stop.id, True, plan.version)


def test_re_planning_a_published_plan_makes_a_new_version(client, login_as, plan, world) -> None:
    _with_drivers(plan, world)
    services.publish_plan(plan, 1)
    db.session.commit()
    before = plan.version
    login_as("coordinator")

    response = post_form(client, f"/rounds/{plan.id}/replan", {"version": before}, form_url=f"/rounds/{plan.id}")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).version == before + 1
    assert "versione" in client.get(f"/rounds/{plan.id}").get_data(as_text=True)


@pytest.mark.parametrize("action", ["replan", "publish", "driver", "edit"])
@pytest.mark.parametrize("version", ["²", "abc", "9" * 5000, "2147483648"])
def test_a_hand_made_version_or_id_changes_nothing_and_is_no_server_error(
    client, login_as, plan, world, action, version
) -> None:
    _with_drivers(plan, world)
    if action == "replan":
        services.publish_plan(plan, 1)
    db.session.commit()
    before = plan.version
    stop = plan.routes[0].stops[0]
    login_as("coordinator")
    fields = {
        "replan": {"version": version},
        "publish": {"version": version, "confirm": "y"},
        "driver": {"version": before, "route_id": version, "driver_id": world.driver.id},
        "edit": {"version": before, "stop_id": version, "action": "lock"},
    }[action]

    response = post_form(client, f"/rounds/{plan.id}/{action}", fields, form_url=f"/rounds/{plan.id}")

    assert response.status_code in (302, 400)  # a hidden field made by hand is a bad request
    db.session.expire_all()
    assert db.session.get(RoundPlan, plan.id).version == before
    assert db.session.get(type(stop), stop.id).locked == stop.locked


def test_a_draft_is_not_re_planned(plan) -> None:
    with pytest.raises(ValidationError, match="solo un piano pubblicato"):
        services.replan_published(plan, plan.version, datetime.now(UTC))


def test_a_plan_for_today_starts_from_now_rounded_up(world) -> None:
    record = selection.vehicle_record(world.vehicles[0], world.tomorrow, world.depot, world.plant)
    now = datetime(2026, 12, 3, 10, 7, tzinfo=UTC)  # 11:07 in Milan

    today = selection.from_now((record,), now.date(), now)
    tomorrow = selection.from_now((record,), now.date() + timedelta(days=1), now)

    assert today[0].shift[0] == 11 * 3600 + 15 * 60 and today[0].shift[1] == record.shift[1]
    assert tomorrow[0].shift == record.shift


def test_a_plan_for_today_after_every_shift_is_refused(world) -> None:
    record = selection.vehicle_record(world.vehicles[0], world.tomorrow, world.depot, world.plant)
    evening = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)

    with pytest.raises(ValidationError, match="già finiti"):
        selection.from_now((record,), evening.date(), evening)


def test_the_job_page_estimates_the_time_left(client, login_as) -> None:
    login_as("coordinator")
    job = PlanningJob(status=JobStatus.QUEUED, params_json=json.dumps({"time_limit_s": 30}))
    db.session.add(job)
    db.session.commit()

    html = client.get(f"/rounds/jobs/{job.id}").get_data(as_text=True)

    assert "Tempo stimato: circa 35 secondi" in html
    assert jobs.remaining_s(JobStatus.RUNNING, 20.0, 30) == 15
    assert jobs.remaining_s(JobStatus.SUCCEEDED, 31.0, 30) is None


def test_admins_see_the_network_hint_coordinators_an_italian_sentence(client, login_as, plan) -> None:
    login_as("admin")

    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)

    assert "La rete stradale non è caricata" in html and "ROAD_NETWORK_FILE" in html


def test_a_delivery_plan_is_called_a_delivery_plan(client, login_as, plan) -> None:
    plan.kind = "delivery"
    db.session.commit()
    login_as("coordinator")

    html = client.get(f"/rounds/{plan.id}").get_data(as_text=True)

    assert "Piano delle consegne del" in html
    assert "Giri di raccolta" not in html and "Cassonetti" not in html and "Contenitori non assegnati" not in html


def test_delivery_references_read_as_deliveries() -> None:
    assert labels.reference_label("delivery:1") == "Consegna n. 1"
