"""Marketplace records: participants' profiles, listings (offers and needs) with fibres and photos, matches."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation, User
from app.core.clock import utcnow
from app.db import Base, TimestampMixin, UTCDateTime
from app.fleet.models import Site
from app.rounds.models import RouteStop
from app.sorting.models import IntakeBatch


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"  # found by matching; each side accepts or declines
    ACCEPTED = "accepted"  # both accepted: contacts shown, fulfilment to arrange
    DECLINED = "declined"
    COMPLETED = "completed"  # picked up or collected: the quantity moved is recorded


class Fulfilment(enum.StrEnum):
    PICKUP = "pickup"  # a stop of a collection round
    SELF = "self"  # the receiver collects it


class NoticeEvent(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    COMPLETED = "completed"


class CompanyProfile(TimestampMixin, Base):
    """A participant's profile; its listings are public once a coordinator approves it."""

    __tablename__ = "company_profile"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    organisation: Mapped[Organisation] = relationship()
    ateco_code: Mapped[str] = mapped_column(String(8))  # e.g. 14.13.10
    offers_text: Mapped[str] = mapped_column(Text, default="")
    needs_text: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Listing(TimestampMixin, Base):
    """An offer or a need (a search that stays open) of material or of a machine."""

    __tablename__ = "symbiosis_listing"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name="weight_positive"),
        CheckConstraint(
            "available_until IS NULL OR available_from IS NULL OR available_until >= available_from",
            name="window_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation] = relationship()
    side: Mapped[str] = mapped_column(String(10), index=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)  # material category or machine type
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit: Mapped[str] = mapped_column(String(10))
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))  # what it weighs (the truck, the KPIs)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    site: Mapped[Site | None] = relationship()
    available_from: Mapped[date | None]
    available_until: Mapped[date | None]
    waste_status: Mapped[str] = mapped_column(String(12), default="")
    eer_code: Mapped[str] = mapped_column(String(6), default="")
    brand_model: Mapped[str] = mapped_column(String(120), default="")
    condition: Mapped[str] = mapped_column(String(12), default="")
    terms: Mapped[str] = mapped_column(String(8), default="")  # give, lend, sell (machines)
    open: Mapped[bool] = mapped_column(default=True, index=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # by a coordinator
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    fibres: Mapped[list[ListingFibre]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingFibre.percent.desc()"
    )
    photos: Mapped[list[ListingPhoto]] = relationship(cascade="all, delete-orphan", order_by="ListingPhoto.id")

    @property
    def composition(self) -> dict[str, int]:
        return {f.fibre: f.percent for f in self.fibres}


class ListingFibre(Base):
    __tablename__ = "symbiosis_listing_fibre"
    __table_args__ = (CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),)

    listing_id: Mapped[int] = mapped_column(ForeignKey("symbiosis_listing.id", ondelete="CASCADE"), primary_key=True)
    listing: Mapped[Listing] = relationship(back_populates="fibres")
    fibre: Mapped[str] = mapped_column(String(12), primary_key=True)
    percent: Mapped[int]


class ListingPhoto(Base):
    """A photo checked and stripped of metadata (EXIF) before it is stored."""

    __tablename__ = "symbiosis_listing_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("symbiosis_listing.id", ondelete="CASCADE"), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Match(Base):
    """An offer and a need found together; fulfilled by a round's pickup stop or by self-collection."""

    __tablename__ = "symbiosis_match"
    __table_args__ = (
        UniqueConstraint("offer_id", "need_id"),
        CheckConstraint("moved_quantity IS NULL OR moved_quantity > 0", name="moved_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("symbiosis_listing.id"), index=True)
    offer: Mapped[Listing] = relationship(foreign_keys=[offer_id])
    need_id: Mapped[int] = mapped_column(ForeignKey("symbiosis_listing.id"), index=True)
    need: Mapped[Listing] = relationship(foreign_keys=[need_id])
    score: Mapped[float]
    distance_m: Mapped[int]
    by_road: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default=MatchStatus.PROPOSED, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    offer_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    need_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilment: Mapped[str] = mapped_column(String(8), default="")
    pickup_date: Mapped[date | None] = mapped_column(index=True)
    window_start_s: Mapped[int | None]  # the firm's time window, seconds from local midnight
    window_end_s: Mapped[int | None]
    pickup_required: Mapped[bool] = mapped_column(default=False)
    route_stop_id: Mapped[int | None] = mapped_column(ForeignKey("route_stop.id"), unique=True)
    route_stop: Mapped[RouteStop | None] = relationship()
    moved_quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    moved_unit: Mapped[str] = mapped_column(String(10), default="")
    moved_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_by: Mapped[User | None] = relationship()
    # The plant intake it became (source "symbiosis"), when it entered a sorting plant.
    intake_batch_id: Mapped[int | None] = mapped_column(ForeignKey("intake_batch.id"), unique=True)
    intake_batch: Mapped[IntakeBatch | None] = relationship()

    @property
    def code(self) -> str:
        return f"SIM-{self.id:05d}"


class Notice(Base):
    """What a participant is told about its matches (shown on its marketplace page until read)."""

    __tablename__ = "symbiosis_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("symbiosis_match.id", ondelete="CASCADE"))
    match: Mapped[Match] = relationship()
    event: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
