"""Stock locations, garment items, the movement ledger and its cached balances."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.clock import utcnow
from app.db import Base, UTCDateTime
from app.fleet.models import Site
from app.sorting.models import Fraction, KgEntry


class MovementKind(enum.StrEnum):
    IN_FROM_SORTING = "in"
    RESERVE = "reserve"
    RELEASE = "release"
    OUT = "out"  # to a household, a shop or a recycler
    ISSUE_RESERVED = "issue"  # reserved pieces handed to a household
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUST = "adjust"
    COUNT = "count"  # difference found by a physical count


class StockLocation(Base):
    """A shelf or zone inside a warehouse or distribution point."""

    __tablename__ = "stock_location"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    site: Mapped[Site] = relationship()
    code: Mapped[str] = mapped_column(String(20))  # "A-01", "Scaffale 3"
    description: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        return f"{self.site.name} · {self.code}"


class StockItem(Base):
    """A kind of garment: category, group, size, season and condition grade."""

    __tablename__ = "stock_item"
    __table_args__ = (
        UniqueConstraint("category", "age_group", "size_system", "size", "season", "grade"),
        CheckConstraint("unit_weight_kg > 0", name="unit_weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    age_group: Mapped[str] = mapped_column(String(20), index=True)
    size_system: Mapped[str] = mapped_column(String(10))
    size: Mapped[str] = mapped_column(String(10), index=True)
    season: Mapped[str] = mapped_column(String(10))
    grade: Mapped[str] = mapped_column(String(2))
    unit_weight_kg: Mapped[Decimal] = mapped_column(Numeric(6, 3))  # estimated weight of one piece


class StockCount(Base):
    """A physical count of one location; its differences are the ``count`` movements pointing at it."""

    __tablename__ = "stock_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    location: Mapped[StockLocation] = relationship()
    reason: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class StockMovement(Base):
    """One row of the stock ledger; balances are sums of these rows. Never updated or deleted.

    A movement points at what it belongs to: pieces in from sorting at their fraction and the kg
    ledger row that took their kilos; a release or an issue at the reservation it settles (the
    ``reserve`` movement, itself pointed at by the welfare allocation); a ``transfer_in`` at its
    ``transfer_out``; a ``count`` difference at its count.
    """

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'in') = (fraction_id IS NOT NULL AND kg_entry_id IS NOT NULL)", name="in_from_fraction"
        ),
        CheckConstraint("(kind IN ('release', 'issue')) = (reservation_id IS NOT NULL)", name="settles_reservation"),
        CheckConstraint("(kind = 'transfer_in') = (transfer_out_id IS NOT NULL)", name="transfer_pair"),
        CheckConstraint("(kind = 'count') = (count_id IS NOT NULL)", name="count_of_location"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id"), index=True)
    item: Mapped[StockItem] = relationship()
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), index=True)
    location: Mapped[StockLocation] = relationship()
    on_hand_delta: Mapped[int] = mapped_column(default=0)
    reserved_delta: Mapped[int] = mapped_column(default=0)
    counterparty: Mapped[str] = mapped_column(String(160), default="")  # household code, shop, recycler
    destination_kind: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    fraction_id: Mapped[int | None] = mapped_column(ForeignKey("sorting_fraction.id"), index=True)
    fraction: Mapped[Fraction | None] = relationship()
    kg_entry_id: Mapped[int | None] = mapped_column(ForeignKey("kg_ledger.id"), unique=True)
    kg_entry: Mapped[KgEntry | None] = relationship()
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movement.id"), index=True)
    reservation: Mapped[StockMovement | None] = relationship(remote_side=[id], foreign_keys=[reservation_id])
    transfer_out_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movement.id"), unique=True)
    transfer_out: Mapped[StockMovement | None] = relationship(remote_side=[id], foreign_keys=[transfer_out_id])
    count_id: Mapped[int | None] = mapped_column(ForeignKey("stock_count.id"), index=True)
    count: Mapped[StockCount | None] = relationship()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user: Mapped[User | None] = relationship()
    is_demo: Mapped[bool] = mapped_column(default=False)

    @property
    def reservation_number(self) -> int | None:
        """The number of the reservation a reserve, release or issue movement belongs to."""
        return self.id if self.kind == MovementKind.RESERVE else self.reservation_id


class StockLotMove(Base):
    """Pieces of one lot a movement added to or took from an (item, location); the lot is its ``in`` movement.

    Every movement that changes ``on_hand`` writes these rows with it, so that per (item, location) the
    lot rows sum to ``on_hand`` and no lot goes below zero. ``receipt_id`` is NULL only for pieces the
    2026-12-03 lots migration found without any receipt before them (stock loaded by adjustment).
    """

    __tablename__ = "stock_lot_move"
    __table_args__ = (
        CheckConstraint("pieces <> 0", name="pieces_non_zero"),
        Index("ix_stock_lot_move_item_location", "item_id", "location_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("stock_movement.id"), index=True)
    movement: Mapped[StockMovement] = relationship(foreign_keys=[movement_id])
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movement.id"), index=True)
    receipt: Mapped[StockMovement | None] = relationship(foreign_keys=[receipt_id])
    # The movement's own item and location, repeated so the lots of an (item, location) are one indexed query.
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"))
    pieces: Mapped[int]


class StockBalance(Base):
    """Cache of the ledger per (item, location), updated under a row lock with each movement."""

    __tablename__ = "stock_balance"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_range"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id"), primary_key=True)
    item: Mapped[StockItem] = relationship()
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"), primary_key=True, index=True)
    location: Mapped[StockLocation] = relationship()
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved
