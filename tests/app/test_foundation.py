"""Configuration, database settings, migrations, formatting and the demo command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_babel import force_locale
from sqlalchemy import func, select, text

from app.auth.models import Organisation, User
from app.config import build_config
from app.extensions import db
from app.fleet.models import Site, Vehicle
from app.i18n import fmt_date, fmt_datetime, fmt_number, fmt_signed, parse_number
from tests.app.conftest import run_cli


def test_secret_key_is_required_outside_development(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FITMI_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        build_config(tmp_path)


def test_development_generates_a_secret_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FITMI_ENV", "development")
    first = build_config(tmp_path)["SECRET_KEY"]
    assert len(first) >= 64 and build_config(tmp_path)["SECRET_KEY"] == first


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("FITMI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert build_config(tmp_path)["SESSION_COOKIE_SECURE"] is True


def test_the_chain_tolerances_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_PICKUP_TOLERANCE_PERCENT", "7,5")
    monkeypatch.setenv("CHAIN_TRANSIT_DAYS", "3")
    config = build_config(tmp_path)
    assert config["INTAKE_PICKUP_TOLERANCE_PERCENT"] == "7.5" and config["CHAIN_TRANSIT_DAYS"] == 3
    assert config["SORTING_LOSS_TOLERANCE_PERCENT"] == "2"
    monkeypatch.setenv("SORTING_LOSS_TOLERANCE_PERCENT", "200")
    with pytest.raises(RuntimeError, match="SORTING_LOSS_TOLERANCE_PERCENT"):
        build_config(tmp_path)


def test_the_planning_searches_come_from_the_environment(tmp_path, monkeypatch):
    assert build_config(tmp_path)["ROUNDS_SOLVER_WORKERS"] == 1
    monkeypatch.setenv("ROUNDS_SOLVER_WORKERS", "2")
    assert build_config(tmp_path)["ROUNDS_SOLVER_WORKERS"] == 2
    for wrong in ("0", "due"):
        monkeypatch.setenv("ROUNDS_SOLVER_WORKERS", wrong)
        with pytest.raises(RuntimeError, match="ROUNDS_SOLVER_WORKERS"):
            build_config(tmp_path)


def test_migrations_match_the_models():
    """The test database was built by upgrading to head; autogenerate must find nothing to add."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_sqlite_runs_with_wal_and_foreign_keys():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-only settings")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_numbers_and_dates_are_shown_the_italian_way():
    with force_locale("it"):
        assert fmt_number(1234.5) == "1.234,5"
        assert fmt_number(1234567, 0) == "1.234.567"
        assert (fmt_signed(1200), fmt_signed(-3), fmt_signed(0)) == ("+1.200", "-3", "0")
        assert fmt_date(datetime(2026, 3, 9, 23, 30, tzinfo=UTC)) == "10/03/2026"  # already 10 March in Rome
        assert fmt_datetime(datetime(2026, 7, 1, 6, 0, tzinfo=UTC)) == "01/07/2026 08:00"  # CEST


@pytest.mark.parametrize(("typed", "value"), [("1.234,5", 1234.5), ("45,4642", 45.4642), ("9.19", 9.19), ("12", 12)])
def test_numbers_typed_the_italian_or_plain_way_are_understood(typed, value):
    with force_locale("it"):
        assert float(parse_number(typed)) == value


def test_demo_command_is_idempotent(app):
    first = run_cli(app, "demo")
    assert first.exit_code == 0, first.output
    assert "fitmi-admin-demo" in first.output
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Organisation, User, Site, Vehicle)]
    assert run_cli(app, "demo").exit_code == 0
    assert [
        db.session.scalar(select(func.count()).select_from(m)) for m in (Organisation, User, Site, Vehicle)
    ] == counts
    assert counts[1] >= 5 and counts[3] == 12
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"admin", "coordinator", "operator", "driver", "social_worker", "company"}
    _the_demo_has_a_delivery_to_plan_with_its_warehouse_van()
    _the_demo_has_firms_listings_and_one_completed_match()


def _the_demo_has_a_delivery_to_plan_with_its_warehouse_van() -> None:
    from app.core.clock import local_today
    from app.welfare import delivery_planning

    (due,) = delivery_planning.due_deliveries()
    assert due.request.status == "pronta" and delivery_planning.load_of(due.request).pieces >= 1
    van = db.session.scalar(select(Vehicle).where(Vehicle.capacity_pieces.is_not(None)))
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
    tomorrow = local_today() + timedelta(days=1)  # a plan for today starts from now, and the day may be over
    params = delivery_planning.DeliveryPlanParams(tomorrow, van.home_site_id, (van.id,), {}, 1.0)
    plan = delivery_planning.plan_deliveries(params, coordinator)
    (stop,) = [s for r in plan.routes for s in r.stops]
    assert stop.reference == due.reference and stop.planned_pieces == delivery_planning.load_of(due.request).pieces
    db.session.rollback()


def _the_demo_has_firms_listings_and_one_completed_match() -> None:
    from app.auth.models import COMPANY_KINDS
    from app.symbiosis.models import Listing, Match, MatchStatus

    firms = db.session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.kind.in_(COMPANY_KINDS))
    )
    assert firms >= 4 and db.session.scalar(select(func.count()).select_from(Listing)) >= 6
    (done,) = db.session.scalars(select(Match).where(Match.status == MatchStatus.COMPLETED))
    assert done.moved_kg == 20 and done.offer.organisation.name.startswith("Sartoria Navigli")


def test_a_user_who_prefers_english_sees_the_english_ui(client, login_as):
    login_as("coordinator", locale="en")
    page = client.get("/fleet/sites").get_data(as_text=True)
    assert "Sites" in page and "Log out" in page
    assert 'lang="en"' in page


def test_the_login_page_offers_english_and_defaults_to_italian(client):
    assert "Accedi" in client.get("/login").get_data(as_text=True)
    assert "Log in" in client.get("/login?lang=en").get_data(as_text=True)


def test_every_page_has_a_favicon_and_favicon_ico_is_no_404(client) -> None:
    login_page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in login_page
    for url in ("/static/favicon.svg", "/favicon.ico"):
        with client.get(url) as icon:
            assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
