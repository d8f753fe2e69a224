"""FIT-MI Logistics web application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.config import REPO_ROOT, build_config
from app.db import configure_sqlite
from app.extensions import babel, bootstrap, csrf, limiter, login_manager, migrate
from app.extensions import db as sqla
from app.ops.checks import check_settings
from app.ops.logs import configure_logging
from app.ops.web import init_web


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, error pages, CLI."""
    app = Flask(__name__, instance_path=str(REPO_ROOT / "instance"))
    app.config.from_mapping(build_config(Path(app.instance_path), test_config))
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME_S"]
    configure_logging(app)
    check_settings(app.config)  # before anything connects: unsafe production settings refuse to start
    _init_extensions(app)
    from app.core import inputs

    inputs.init_app(app)  # before the blueprints: their <int:…> rules take its bounded converter
    init_web(app)
    _register_blueprints(app)
    _register_kinds()
    from app.collection import bin_pages

    bin_pages.register()  # the bin pages show collection's forecasts and pickups through app.bins.fill
    from app.collection.services import register_holder
    from app.sorting.services import taken_in_reason

    register_holder(taken_in_reason)  # a pickup weighed in at a plant is no longer corrected
    from app.errors import register_error_handlers
    from app.i18n import register_filters

    register_error_handlers(app)
    register_filters(app)
    from app.core.policy import current_user_can

    app.jinja_env.globals["can"] = current_user_can  # templates ask can('plan_rounds'), never the role
    from app.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.geo import geocoding
    from app.i18n import select_locale

    sqla.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(sqla.engine)
    migrate.init_app(app, sqla, directory=str(REPO_ROOT / "migrations"), compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Accedi per continuare.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    limiter.init_app(app)
    geocoding.init_app(app)
    from app import models  # noqa: F401  (every model registered on the metadata)


def _register_kinds() -> None:
    """The kinds of plan and stop each domain brings to rounds (planning rules, driver-mode hooks)."""
    from app import rounds, symbiosis, welfare

    rounds.register_kinds()
    welfare.register_kinds()
    symbiosis.register_kinds()


def _register_blueprints(app: Flask) -> None:
    from app.api.admin_routes import bp as api_admin_bp
    from app.api.routes import bp as api_bp
    from app.auth.admin_routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.bins.routes import bp as bins_bp
    from app.chain.routes import bp as chain_bp
    from app.collection.citizen_report_routes import bp as citizen_reports_bp
    from app.collection.routes import bp as collection_bp
    from app.fleet.routes import bp as fleet_bp
    from app.geo.routes import bp as geo_bp
    from app.main.routes import bp as main_bp
    from app.ops.health import bp as ops_bp
    from app.public.routes import bp as public_bp
    from app.reports import registers_routes  # noqa: F401  (its views, on the reports blueprint)
    from app.reports.routes import bp as reports_bp
    from app.rounds.driver_routes import bp as driver_bp
    from app.rounds.routes import bp as rounds_bp
    from app.rounds.sheet_routes import bp as round_sheets_bp
    from app.rounds.week_routes import bp as rounds_week_bp
    from app.sorting.outbound_routes import bp as outbound_bp
    from app.sorting.routes import bp as sorting_bp
    from app.stock.routes import bp as stock_bp
    from app.symbiosis.routes import bp as symbiosis_bp
    from app.welfare import delivery_routes, routes  # noqa: F401  (their views, on the blueprint below)
    from app.welfare.blueprint import bp as welfare_bp

    for blueprint in (main_bp, ops_bp, auth_bp, admin_bp, geo_bp, fleet_bp, bins_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(welfare_bp)
    app.register_blueprint(collection_bp)
    app.register_blueprint(citizen_reports_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_admin_bp)
    app.register_blueprint(sorting_bp)
    app.register_blueprint(outbound_bp)
    app.register_blueprint(stock_bp)
    app.register_blueprint(chain_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(symbiosis_bp)
    app.register_blueprint(driver_bp)
    app.register_blueprint(round_sheets_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(rounds_week_bp)
