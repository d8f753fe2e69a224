"""Each role's home page: its figures and to-dos, limited to what the user may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.collection.models import Pickup
from app.core.clock import local_today
from app.extensions import db
from app.reports import dashboards
from app.rounds.models import PlanningJob, UnassignedStop
from tests.app import factories

NOW = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


def _pickup(bin_, kg: str | None, at: datetime, fill: int | None = None) -> Pickup:
    row = Pickup(bin=bin_, collected_at=at, weight_kg=kg and Decimal(kg), fill_percent=fill)
    db.session.add(row)
    return row


def test_kg_this_month_compare_with_the_same_days_last_year_fill_levels_included(clock):
    clock.set(NOW)
    operator = factories.UserFactory(role="operator")
    mine, other = factories.BinFactory(operator=operator.organisation), factories.BinFactory()
    _pickup(mine, "100", datetime(2026, 12, 2, 9, tzinfo=UTC))
    _pickup(mine, None, datetime(2026, 12, 1, 9, tzinfo=UTC), fill=50)  # half of 350 kg
    _pickup(mine, "80", datetime(2025, 12, 2, 9, tzinfo=UTC))
    _pickup(mine, "999", datetime(2025, 12, 20, 9, tzinfo=UTC))  # later in the month: not the same days
    _pickup(other, "500", datetime(2026, 12, 2, 9, tzinfo=UTC))
    db.session.commit()
    mine_kg = dashboards.month_kg(operator)
    assert (mine_kg.this_year, mine_kg.last_year, mine_kg.days) == (Decimal("275.0"), Decimal("80.0"), 3)
    assert round(mine_kg.change_percent) == 244
    assert dashboards.month_kg(factories.UserFactory(role="coordinator")).this_year == Decimal("775.0")


def test_the_coordinator_home_shows_todays_rounds_and_required_bins_left_out(client, login_as):
    driver = factories.UserFactory(role="driver")
    route = factories.driver_round(driver, stops=3)
    route.stops[0].status = "done"
    bin_ = factories.BinFactory(code="VS-LEFT")
    db.session.add(UnassignedStop(plan=route.plan, bin=bin_, required=True, reason="capacità dei mezzi esaurita"))
    db.session.commit()
    login_as("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert f'data-route="{route.id}"' in page and "1 di 3" in page
    assert "VS-LEFT" in page and "capacità dei mezzi esaurita" in page
    assert 'id="month-kg"' in page and 'id="chain-alerts"' in page


def test_an_operator_sees_its_own_pickups_and_plant_not_others(client, login_as, clock):
    clock.set(NOW)
    user = login_as("operator")
    mine, theirs = (
        factories.BinFactory(operator=user.organisation, code="MINE-1"),
        factories.BinFactory(code="THEIRS-1"),
    )
    _pickup(mine, "120", NOW - timedelta(hours=2))
    _pickup(theirs, "90", NOW - timedelta(hours=1))
    factories.SortingPlantFactory(organisation=user.organisation)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "MINE-1" in page and "THEIRS-1" not in page
    assert 'id="plant-status"' in page and 'data-arrivals="0"' in page


def test_social_workers_see_requests_by_status_and_households_served(client, login_as):
    from tests.app.welfare.conftest import approved, household_of

    worker = login_as("social_worker", organisation=factories.social_services_of(factories.MILANO))
    household = household_of(worker.organisation)
    request = approved(household, worker, factories.UserFactory(role="coordinator"))
    request.status = "ritirata"
    db.session.commit()
    figures = dashboards.welfare_figures(list(db.session.scalars(db.select(type(request)))), local_today())
    assert figures.households_served == 1 and figures.people_served == 2 and figures.by_status == {"ritirata": 1}
    page = client.get("/").get_data(as_text=True)
    assert 'data-served="1"' in page and 'data-status-count="ritirata"' in page


def test_the_admin_sees_users_tokens_and_jobs_stuck_in_the_queue(client, login_as, clock):
    clock.set(NOW)
    login_as("admin")
    stuck = PlanningJob(status="queued", created_at=NOW - timedelta(hours=1))
    db.session.add_all([stuck, PlanningJob(status="succeeded", created_at=NOW - timedelta(days=1))])
    db.session.commit()
    figures = dashboards.admin_figures(NOW)
    assert figures.jobs == {"queued": 1, "succeeded": 1} and [j.id for j in figures.stuck_jobs] == [stuck.id]
    assert figures.users_by_role["admin"] >= 1
    page = client.get("/").get_data(as_text=True)
    assert 'id="stuck-jobs"' in page and f"/rounds/jobs/{stuck.id}" in page
