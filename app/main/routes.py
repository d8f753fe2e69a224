"""The home page of each role, and serving vendored static packages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, send_from_directory
from flask_login import current_user, login_required

bp = Blueprint("main", __name__)

HOME_TEMPLATES = {
    "admin": "main/home_admin.html",
    "coordinator": "main/home_coordinator.html",
    "operator": "main/home_operator.html",
    "driver": "main/home_driver.html",
    "social_worker": "main/home_social_worker.html",
}


@bp.route("/")
@login_required
def index() -> Any:
    return render_template(HOME_TEMPLATES[current_user.role], **_home_context())


def _home_context() -> dict[str, Any]:
    """Data a role's home page shows (social workers: their households' requests)."""
    if current_user.role == "social_worker":
        from app.welfare.queries import overview

        return {"welfare": overview(current_user)}
    return {}


# Front-end libraries served from their XStatic packages: the maps never depend on a CDN.
VENDOR_PACKAGES = {"leaflet": "leaflet", "markercluster": "leaflet_markercluster"}


@bp.route("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Any:
    import importlib

    if package not in VENDOR_PACKAGES or ".." in filename:
        abort(404)
    module = importlib.import_module(f"xstatic.pkg.{VENDOR_PACKAGES[package]}")
    return send_from_directory(module.BASE_DIR, filename, max_age=86400)


def _nav_items() -> list[dict[str, str]]:
    from flask import url_for
    from flask_babel import gettext as _

    items: list[tuple[tuple[str, ...], str, str]] = [
        (("driver",), "driver.today", _("Il mio giro")),
        (("admin",), "admin.users", _("Utenti")),
        (("admin",), "admin.organisations", _("Organizzazioni")),
        (("admin", "coordinator", "operator", "driver"), "bins.index", _("Contenitori")),
        (("admin", "coordinator", "operator", "driver"), "bins.map_page", _("Mappa")),
        (("admin", "coordinator", "operator", "driver"), "collection.pickups", _("Svuotamenti")),
        (("admin", "coordinator"), "fleet.sites", _("Sedi")),
        (("admin", "coordinator"), "fleet.vehicles", _("Veicoli")),
        (("admin", "coordinator", "operator"), "rounds.index", _("Giri")),
        (("admin", "coordinator", "operator"), "sorting.index", _("Selezione")),
        (("admin", "coordinator", "operator", "social_worker"), "stock.index", _("Scorte")),
        (("admin", "social_worker"), "welfare.household_list", _("Nuclei")),
        (("admin", "social_worker", "coordinator", "operator"), "welfare.request_list", _("Richieste vestiti")),
        (("admin", "coordinator"), "welfare.deliveries", _("Consegne")),
    ]
    return [
        {"url": url_for(endpoint), "label": label} for roles, endpoint, label in items if current_user.role in roles
    ]


@bp.app_context_processor
def _layout_context() -> dict[str, Any]:
    from flask_babel import get_locale

    from app.auth.forms import ROLE_LABELS

    context: dict[str, Any] = {"current_locale": str(get_locale() or "it")}
    if current_user.is_authenticated:
        context["nav_items"] = _nav_items()
        context["role_label"] = ROLE_LABELS.get(current_user.role, current_user.role)
    return context
