"""Who may do what: the roles and the named permissions that routes, services and templates ask.

This is the only module that knows which role holds which permission. Elsewhere code asks
``can(user, Permission.PLAN_ROUNDS)`` (templates: ``can('plan_rounds')``) and views are guarded
with ``@permission_required(Permission.PLAN_ROUNDS)``; nobody compares ``user.role`` to a name.
Each permission lists its roles in full (admins are listed where they may act: there is no
hidden "admin passes everything").
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from flask import abort
from flask_login import current_user, login_required


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    OPERATOR = "operator"
    DRIVER = "driver"
    SOCIAL_WORKER = "social_worker"
    COMPANY = "company"  # a firm, makerspace, cooperative or school of the symbiosis marketplace


class Permission(enum.StrEnum):
    ADMINISTER = "administer"  # users, organisations, API tokens
    VIEW_BINS = "view_bins"  # bins, their map and history
    EDIT_BINS = "edit_bins"  # create, move, change the status of, import and export bins
    OVERRIDE_BIN_AREA = "override_bin_area"  # place a bin outside the metropolitan area
    LOG_PICKUPS = "log_pickups"  # record and list pickups
    SEE_ALL_OPERATORS = "see_all_operators"  # act on every operator's bins, pickups, routes, plants and stock
    MANAGE_FLEET = "manage_fleet"  # sites and vehicles
    VIEW_ROUNDS = "view_rounds"  # round plans and routes (operators: their organisation's)
    PLAN_ROUNDS = "plan_rounds"  # plan, edit, publish, re-plan
    DRIVE = "drive"  # open driver mode
    TAKE_ROUTES = "take_routes"  # be assigned routes as their driver ("Il mio giro")
    WORK_PLANT = "work_plant"  # intake, sorting sessions, outbound
    WORK_STOCK = "work_stock"  # stock locations, items, movements, counts
    VIEW_STOCK = "view_stock"  # what is available
    SEE_ALL_STOCK = "see_all_stock"  # the stock of every organisation
    MANAGE_HOUSEHOLDS = "manage_households"  # register households and request garments (own comuni)
    READ_ALL_HOUSEHOLDS = "read_all_households"  # households (and identities) of every comune
    VIEW_REQUESTS = "view_requests"  # garment requests
    PREPARE_REQUESTS = "prepare_requests"  # see every request, match stock, ready, collected
    APPROVE_REQUESTS = "approve_requests"
    CANCEL_ANY_REQUEST = "cancel_any_request"  # besides the households' own social workers
    PLAN_DELIVERIES = "plan_deliveries"
    VIEW_CHAIN = "view_chain"  # chain balance and traceability of kilos (operators: their organisation's)
    VIEW_REPORTS = "view_reports"  # KPIs, registers and official exports (operators: their organisation's)
    USE_SYMBIOSIS = "use_symbiosis"  # the marketplace: companies their own listings and matches, others all
    MODERATE_SYMBIOSIS = "moderate_symbiosis"  # approve companies, hide listings, every match


_A, _C, _O, _D, _S = Role.ADMIN, Role.COORDINATOR, Role.OPERATOR, Role.DRIVER, Role.SOCIAL_WORKER
_F = Role.COMPANY

RULES: dict[Permission, frozenset[Role]] = {
    Permission.ADMINISTER: frozenset({_A}),
    Permission.VIEW_BINS: frozenset({_A, _C, _O, _D}),
    Permission.EDIT_BINS: frozenset({_A, _C, _O}),
    Permission.OVERRIDE_BIN_AREA: frozenset({_A}),
    Permission.LOG_PICKUPS: frozenset({_A, _C, _O, _D}),
    Permission.SEE_ALL_OPERATORS: frozenset({_A, _C}),
    Permission.MANAGE_FLEET: frozenset({_A, _C}),
    Permission.VIEW_ROUNDS: frozenset({_A, _C, _O}),
    Permission.PLAN_ROUNDS: frozenset({_A, _C}),
    Permission.DRIVE: frozenset({_A, _D}),
    Permission.TAKE_ROUTES: frozenset({_D}),
    Permission.WORK_PLANT: frozenset({_A, _C, _O}),
    Permission.WORK_STOCK: frozenset({_A, _C, _O}),
    Permission.VIEW_STOCK: frozenset({_A, _C, _O, _S}),
    Permission.SEE_ALL_STOCK: frozenset({_A, _C, _S}),
    Permission.MANAGE_HOUSEHOLDS: frozenset({_A, _S}),
    Permission.READ_ALL_HOUSEHOLDS: frozenset({_A}),
    Permission.VIEW_REQUESTS: frozenset({_A, _C, _O, _S}),
    Permission.PREPARE_REQUESTS: frozenset({_A, _C, _O}),
    Permission.APPROVE_REQUESTS: frozenset({_A, _C}),
    Permission.CANCEL_ANY_REQUEST: frozenset({_C}),
    Permission.PLAN_DELIVERIES: frozenset({_A, _C}),
    Permission.VIEW_CHAIN: frozenset({_A, _C, _O}),
    Permission.VIEW_REPORTS: frozenset({_A, _C, _O}),
    Permission.USE_SYMBIOSIS: frozenset({_A, _C, _F}),
    Permission.MODERATE_SYMBIOSIS: frozenset({_A, _C}),
}


class HasRole(Protocol):
    role: str


def roles_with(permission: Permission | str) -> frozenset[Role]:
    """The roles that hold ``permission`` (for queries such as "the users who may drive")."""
    return RULES[Permission(permission)]


def can(user: HasRole | None, permission: Permission | str) -> bool:
    """Whether ``user`` (None or anonymous: nobody) holds ``permission``."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    return user.role in roles_with(permission)


F = TypeVar("F", bound=Callable[..., Any])


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Log in first; then only users holding ``permission`` may pass, others get 403."""
    roles_with(permission)  # an unknown permission fails at import, not at the first request

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def current_user_can(permission: Permission | str) -> bool:
    """The templates' ``can('plan_rounds')``."""
    return can(current_user, permission)
