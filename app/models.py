"""Imports every domain's models so that Alembic and create_all see the whole schema."""

from app.auth.models import LoginSession, Organisation, User
from app.bins.models import AuditEntry, Bin, BinStatusChange
from app.collection.models import IdempotencyKey, Pickup
from app.fleet.models import Site, Vehicle
from app.geo.models import Comune

__all__ = [
    "AuditEntry",
    "Bin",
    "BinStatusChange",
    "Comune",
    "IdempotencyKey",
    "LoginSession",
    "Organisation",
    "Pickup",
    "Site",
    "User",
    "Vehicle",
]
