"""The navigation bar: the pages a user may open, grouped in menus so the bar fits one line at 1366 px."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.policy import Permission, can

# (menu label, [(permission, endpoint, label)]); a menu with one page the user may open is a plain link.
MENUS: list[tuple[Any, list[tuple[Permission, str, Any]]]] = [
    (_l("Il mio giro"), [(Permission.TAKE_ROUTES, "driver.today", _l("Il mio giro"))]),
    (
        _l("Contenitori"),
        [
            (Permission.VIEW_BINS, "bins.index", _l("Elenco dei contenitori")),
            (Permission.VIEW_BINS, "bins.map_page", _l("Mappa")),
            (Permission.LOG_PICKUPS, "collection.pickups", _l("Svuotamenti")),
            (Permission.EDIT_BINS, "citizen_reports.index", _l("Segnalazioni")),
        ],
    ),
    (
        _l("Giri"),
        [
            (Permission.VIEW_ROUNDS, "rounds.index", _l("Giri")),
            (Permission.PLAN_DELIVERIES, "welfare.deliveries", _l("Consegne")),
            (Permission.MANAGE_FLEET, "fleet.sites", _l("Sedi")),
            (Permission.MANAGE_FLEET, "fleet.vehicles", _l("Veicoli")),
        ],
    ),
    (
        _l("Impianto"),
        [
            (Permission.WORK_PLANT, "sorting.index", _l("Selezione")),
            (Permission.VIEW_STOCK, "stock.index", _l("Scorte")),
        ],
    ),
    (
        _l("Famiglie"),
        [
            (Permission.MANAGE_HOUSEHOLDS, "welfare.household_list", _l("Nuclei")),
            (Permission.VIEW_REQUESTS, "welfare.request_list", _l("Richieste vestiti")),
        ],
    ),
    (
        _l("Dati"),
        [
            (Permission.VIEW_CHAIN, "chain.index", _l("Filiera")),
            (Permission.VIEW_REPORTS, "reports.kpi", _l("Indicatori")),
            (Permission.VIEW_REPORTS, "reports.registers_index", _l("Registri")),
        ],
    ),
    (
        _l("Simbiosi"),
        [
            (Permission.USE_SYMBIOSIS, "symbiosis.index", _l("Annunci e abbinamenti")),
            (Permission.MODERATE_SYMBIOSIS, "symbiosis.moderation", _l("Moderazione simbiosi")),
        ],
    ),
    (
        _l("Amministrazione"),
        [
            (Permission.ADMINISTER, "admin.users", _l("Utenti")),
            (Permission.ADMINISTER, "admin.organisations", _l("Organizzazioni")),
        ],
    ),
]


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool


@dataclass(frozen=True)
class NavMenu:
    label: str
    links: list[NavLink]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def nav_menus() -> list[NavMenu]:
    """The current user's menus, each with the pages they may open (menus with none left out)."""
    menus = []
    for label, entries in MENUS:
        links = [
            NavLink(url_for(endpoint), str(text), request.endpoint == endpoint)
            for permission, endpoint, text in entries
            if can(current_user, permission)
        ]
        if links:
            menus.append(NavMenu(str(label), links))
    return menus
