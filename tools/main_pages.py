"""The ~20 main pages of the product, as the accessibility test and the screenshot command visit them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, url_for
from sqlalchemy import select

from app.auth.models import User
from app.bins.models import Bin, BinStatus
from app.demo import USERS, demo_password
from app.extensions import db
from app.rounds.models import PlanKind, RoundPlan, RoundRoute

# Who signs in for a page: the first demo user of that role (app/demo.py); None is a visitor without login.
DEMO_LOGINS = {str(role): (email, demo_password(role)) for role, email, *_ in reversed(USERS)}


@dataclass(frozen=True)
class MainPage:
    name: str  # also the screenshot's file name
    role: str | None
    path: str
    phone: bool = False  # where its user is on a phone: checked at phone size


def main_pages(app: Flask) -> list[MainPage]:
    """The pages, with the ids of demo records (a bin, the latest collection plan and its driver's route)."""
    with app.app_context(), app.test_request_context():
        bin_ = db.session.scalars(select(Bin).where(Bin.status == BinStatus.ACTIVE).order_by(Bin.id)).first()
        plan = db.session.scalars(
            select(RoundPlan).where(RoundPlan.kind == PlanKind.COLLECTION).order_by(RoundPlan.id.desc())
        ).first()
        route = db.session.scalars(
            select(RoundRoute)
            .join(User, RoundRoute.driver_id == User.id)
            .where(User.email == DEMO_LOGINS["driver"][0])
            .order_by(RoundRoute.id.desc())
        ).first()
        if bin_ is None or plan is None or route is None:
            raise RuntimeError("the main pages need the demo data (flask demo): a bin, a plan and a driver's route")
        pages = [
            MainPage("login", None, url_for("auth.login")),
            MainPage("home-admin", "admin", url_for("main.index")),
            MainPage("home-coordinator", "coordinator", url_for("main.index")),
            MainPage("home-operator", "operator", url_for("main.index")),
            MainPage("home-social-worker", "social_worker", url_for("main.index")),
            MainPage("home-driver", "driver", url_for("main.index"), phone=True),
            MainPage("driver-route", "driver", url_for("driver.route_page", route_id=route.id), phone=True),
            MainPage("bins-list", "coordinator", url_for("bins.index")),
            MainPage("bins-map", "coordinator", url_for("bins.map_page")),
            MainPage("bin-detail", "operator", url_for("bins.detail", bin_id=bin_.id)),
            MainPage("pickup-form", "operator", url_for("collection.new_pickup"), phone=True),
            MainPage("rounds-list", "coordinator", url_for("rounds.index")),
            MainPage("round-review", "coordinator", url_for("rounds.review", plan_id=plan.id)),
            MainPage("round-new", "coordinator", url_for("rounds.new_plan")),
            MainPage("week-new", "coordinator", url_for("rounds_week.new")),
            MainPage("deliveries", "coordinator", url_for("welfare.deliveries")),
            MainPage("sorting", "operator", url_for("sorting.index")),
            MainPage("stock", "operator", url_for("stock.index")),
            MainPage("households", "social_worker", url_for("welfare.household_list")),
            MainPage("requests", "social_worker", url_for("welfare.request_list")),
            MainPage("kpi", "coordinator", url_for("reports.kpi")),
            MainPage("chain", "coordinator", url_for("chain.index")),
            MainPage("public-where", None, url_for("public.where"), phone=True),
            MainPage("public-bin", None, url_for("public.bin_page", public_code=bin_.public_code), phone=True),
            MainPage("public-numbers", None, url_for("public.numbers")),
        ]
    return pages


def log_in_as(page: Any, role: str) -> None:
    """Sign a Playwright page in as the demo user of ``role``."""
    email, password = DEMO_LOGINS[role]
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    if "/login" in page.url:
        raise RuntimeError(f"could not sign in as {email}: {page.inner_text('main')[:200]}")
