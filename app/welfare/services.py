"""The welfare rules that views call, in one place; each rule lives in the module of its concept.

Households and their identity (``households``, ``privacy``), garment requests (``requests``), matching
with the stock (``allocation``), preparation and pick-up (``workflow``), delivery rounds
(``delivery_planning``; the handover is done in the rounds' driver mode through ``delivery_stops``).
Views import this module and ``queries`` (reads for pages), never the concept modules.
"""

from __future__ import annotations

from app.welfare.allocation import AllocationResult, allocate, pick_list
from app.welfare.delivery_planning import DeliveryPlanParams, delivery_plans, due_deliveries, load_of, start_planning
from app.welfare.households import (
    IdentityData,
    MemberData,
    add_member,
    households_of,
    register_household,
    update_identity,
)
from app.welfare.privacy import covers, household_for, read_identity
from app.welfare.requests import LineData, RequestData, approve, create_request, reject, send, update_draft
from app.welfare.workflow import allowed_actions, cancel, mark_collected, mark_ready, pickups_at

__all__ = [
    "AllocationResult",
    "DeliveryPlanParams",
    "IdentityData",
    "LineData",
    "MemberData",
    "RequestData",
    "add_member",
    "allocate",
    "allowed_actions",
    "approve",
    "cancel",
    "covers",
    "create_request",
    "delivery_plans",
    "due_deliveries",
    "household_for",
    "households_of",
    "load_of",
    "mark_collected",
    "mark_ready",
    "pick_list",
    "pickups_at",
    "read_identity",
    "register_household",
    "reject",
    "send",
    "start_planning",
    "update_draft",
    "update_identity",
]
