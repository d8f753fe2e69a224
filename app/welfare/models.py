"""Households (pseudonymous), their identity kept apart, garment requests, allocations and deliveries."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation, User
from app.core.clock import utcnow
from app.core.refs import domain_reference
from app.db import Base, TimestampMixin, UTCDateTime
from app.fleet.models import Site
from app.geo.models import Comune
from app.rounds.models import RouteStop
from app.stock.models import StockItem, StockLocation, StockMovement

DELIVERY_REFERENCE = "delivery"  # a delivery stop's reference: delivery:<id>


class HouseholdStatus(enum.StrEnum):
    ACTIVE = "active"
    ANONYMISED = "anonymised"


class RequestStatus(enum.StrEnum):
    DRAFT = "bozza"
    SENT = "inviata"
    APPROVED = "approvata"
    PREPARING = "in_preparazione"
    READY = "pronta"
    DELIVERED = "consegnata"
    COLLECTED = "ritirata"
    CANCELLED = "annullata"
    REJECTED = "respinta"


class Fulfilment(enum.StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"


class DeliveryStatus(enum.StrEnum):
    TO_PLAN = "to_plan"
    SCHEDULED = "scheduled"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Household(TimestampMixin, Base):
    """A household known only by its code: no personal data in this table."""

    __tablename__ = "welfare_household"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    comune_code: Mapped[str] = mapped_column(ForeignKey("comune.istat_code"), index=True)
    comune: Mapped[Comune] = relationship()
    office_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    office: Mapped[Organisation] = relationship()
    status: Mapped[str] = mapped_column(String(20), default=HouseholdStatus.ACTIVE, index=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retention_until: Mapped[date] = mapped_column(index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_demo: Mapped[bool] = mapped_column(default=False)
    members: Mapped[list[HouseholdMember]] = relationship(
        back_populates="household", order_by="HouseholdMember.id", cascade="all, delete-orphan"
    )


class HouseholdIdentity(Base):
    """Name, contacts and address of a household: read only through ``privacy.read_identity``."""

    __tablename__ = "welfare_household_identity"

    household_id: Mapped[int] = mapped_column(ForeignKey("welfare_household.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    street: Mapped[str] = mapped_column(String(160))
    civic: Mapped[str] = mapped_column(String(16), default="")
    cap: Mapped[str] = mapped_column(String(5))
    lon: Mapped[float]
    lat: Mapped[float]
    notes: Mapped[str] = mapped_column(Text, default="")

    @property
    def address(self) -> str:
        civic = f" {self.civic}" if self.civic else ""
        return f"{self.street}{civic}, {self.cap}"


class HouseholdMember(Base):
    """A member described only by age band, gender and sizes."""

    __tablename__ = "welfare_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("welfare_household.id", ondelete="CASCADE"), index=True)
    household: Mapped[Household] = relationship(back_populates="members")
    label: Mapped[str] = mapped_column(String(40))  # "Figlio 1", never a name
    age_band: Mapped[str] = mapped_column(String(10))
    gender: Mapped[str] = mapped_column(String(10))
    clothing_size_system: Mapped[str] = mapped_column(String(10))
    clothing_size: Mapped[str] = mapped_column(String(10))
    shoe_size: Mapped[str] = mapped_column(String(10), default="")


class IdentityAccessLog(Base):
    """Who read which household's identity, when and why. Append-only: never updated or deleted."""

    __tablename__ = "welfare_identity_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("welfare_household.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    user: Mapped[User | None] = relationship()
    purpose: Mapped[str] = mapped_column(String(40))  # view, edit, search, delivery, export, erase


class GarmentRequest(TimestampMixin, Base):
    """A social worker's request of garments for some members of a household."""

    __tablename__ = "welfare_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("welfare_household.id"), index=True)
    household: Mapped[Household] = relationship()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.DRAFT, index=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    fulfilment: Mapped[str] = mapped_column(String(10), default=Fulfilment.DELIVERY)
    window_start: Mapped[time | None] = mapped_column(Time())
    window_end: Mapped[time | None] = mapped_column(Time())
    availability: Mapped[str] = mapped_column(String(200), default="")  # "lun-ven mattina"
    pickup_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    pickup_site: Mapped[Site | None] = relationship()
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("welfare_request.id"))  # remainder of
    is_demo: Mapped[bool] = mapped_column(default=False)
    lines: Mapped[list[RequestLine]] = relationship(
        back_populates="request", order_by="RequestLine.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[RequestStatusChange]] = relationship(
        back_populates="request", order_by="RequestStatusChange.id", cascade="all, delete-orphan"
    )

    @property
    def total_pieces(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def rejection_reason(self) -> str:
        """Why a coordinator rejected the request (the note of its change to «respinta»)."""
        notes = [h.note for h in self.history if h.to_status == RequestStatus.REJECTED]
        return notes[-1] if notes else ""


class RequestLine(Base):
    """Pieces of one category, size and season for one member."""

    __tablename__ = "welfare_request_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("welfare_request.id", ondelete="CASCADE"), index=True)
    request: Mapped[GarmentRequest] = relationship(back_populates="lines")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("welfare_member.id", ondelete="SET NULL"))
    member: Mapped[HouseholdMember | None] = relationship()
    category: Mapped[str] = mapped_column(String(20))
    age_group: Mapped[str] = mapped_column(String(20))
    size_system: Mapped[str] = mapped_column(String(10))
    size: Mapped[str] = mapped_column(String(10))
    season: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int]
    allocations: Mapped[list[Allocation]] = relationship(back_populates="line", order_by="Allocation.id")

    @property
    def allocated(self) -> int:
        return sum(a.quantity for a in self.allocations if a.released_at is None)

    @property
    def missing(self) -> int:
        return max(self.quantity - self.allocated, 0)


class RequestStatusChange(Base):
    """One change of a request's status, with who and when."""

    __tablename__ = "welfare_request_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("welfare_request.id", ondelete="CASCADE"), index=True)
    request: Mapped[GarmentRequest] = relationship(back_populates="history")
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user: Mapped[User | None] = relationship()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")


class Allocation(Base):
    """Pieces of one stock item at one location reserved (through the ledger) for a request line."""

    __tablename__ = "welfare_allocation"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("welfare_request_line.id", ondelete="CASCADE"), index=True)
    line: Mapped[RequestLine] = relationship(back_populates="allocations")
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id"))
    item: Mapped[StockItem] = relationship()
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    location: Mapped[StockLocation] = relationship()
    quantity: Mapped[int]
    # The stock ledger's reserve movement; the release or issue of these pieces settles it.
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movement.id"), unique=True)
    reservation: Mapped[StockMovement | None] = relationship(foreign_keys=[reservation_id])
    # The ledger's issue movement that handed the pieces over; its lot rows say which lots they came from.
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movement.id"), unique=True)
    issue: Mapped[StockMovement | None] = relationship(foreign_keys=[issue_id])
    match: Mapped[str] = mapped_column(String(20), default="exact")  # exact, adjacent, substitute
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(TimestampMixin, Base):
    """A home delivery of a ready request: planned into a delivery round, proved by a handover code."""

    __tablename__ = "welfare_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("welfare_request.id"), index=True)
    request: Mapped[GarmentRequest] = relationship()
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.TO_PLAN, index=True)
    service_date: Mapped[date | None] = mapped_column(index=True)
    code_hash: Mapped[str] = mapped_column(String(128), default="")
    code_expires_on: Mapped[date | None]
    code_attempts: Mapped[int] = mapped_column(default=0)
    proof_kind: Mapped[str] = mapped_column(String(20), default="")  # code, signature, photo
    proof_note: Mapped[str] = mapped_column(String(200), default="")
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)  # drawn on the driver's phone (a PNG)
    failure_reason: Mapped[str] = mapped_column(String(20), default="")
    failure_note: Mapped[str] = mapped_column(String(200), default="")  # the driver's words on a failed delivery
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The stop of the published round that carries it, set at publication (a failed delivery planned again
    # moves to its new stop). A draft's stops are not linked: a draft takes nothing.
    route_stop_id: Mapped[int | None] = mapped_column(ForeignKey("route_stop.id", ondelete="SET NULL"), index=True)
    route_stop: Mapped[RouteStop | None] = relationship()

    @property
    def reference(self) -> str:
        """The key of its stop in the solver and on ``RouteStop.reference`` (a stop finds its delivery by it)."""
        return domain_reference(DELIVERY_REFERENCE, self.id)
