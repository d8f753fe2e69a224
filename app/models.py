"""Imports every domain's models so that Alembic and create_all see the whole schema."""

from app.auth.models import LoginSession, Organisation, User
from app.bins.models import AuditEntry, Bin, BinImportPreview, BinStatusChange
from app.collection.models import ApiToken, FillReading, IdempotencyKey, Pickup
from app.fleet.models import Site, Vehicle
from app.geo.models import Comune, GeocodeAnswer
from app.reports.models import RegisterEntry
from app.rounds.models import PlanningJob, RoundPlan, RoundRoute, RouteStop, StopPhoto, UnassignedStop
from app.sorting.models import (
    Fraction,
    IntakeBatch,
    KgEntry,
    OutboundLeg,
    OutboundLine,
    OutboundPartner,
    SessionInput,
    SortingSession,
)
from app.stock.models import StockBalance, StockItem, StockLocation, StockMovement
from app.symbiosis.models import CompanyProfile, Listing, ListingFibre, ListingPhoto, Match, Notice
from app.welfare.models import (
    Allocation,
    Delivery,
    GarmentRequest,
    Household,
    HouseholdIdentity,
    HouseholdMember,
    IdentityAccessLog,
    RequestLine,
    RequestStatusChange,
)

__all__ = [
    "Allocation",
    "ApiToken",
    "AuditEntry",
    "Bin",
    "BinImportPreview",
    "BinStatusChange",
    "CompanyProfile",
    "Comune",
    "Delivery",
    "FillReading",
    "Fraction",
    "GarmentRequest",
    "GeocodeAnswer",
    "Household",
    "HouseholdIdentity",
    "HouseholdMember",
    "IdempotencyKey",
    "IdentityAccessLog",
    "IntakeBatch",
    "KgEntry",
    "Listing",
    "ListingFibre",
    "ListingPhoto",
    "LoginSession",
    "Match",
    "Notice",
    "Organisation",
    "OutboundLeg",
    "OutboundLine",
    "OutboundPartner",
    "Pickup",
    "PlanningJob",
    "RegisterEntry",
    "RequestLine",
    "RequestStatusChange",
    "RoundPlan",
    "RoundRoute",
    "RouteStop",
    "SessionInput",
    "Site",
    "SortingSession",
    "StockBalance",
    "StockItem",
    "StockLocation",
    "StockMovement",
    "StopPhoto",
    "UnassignedStop",
    "User",
    "Vehicle",
]
