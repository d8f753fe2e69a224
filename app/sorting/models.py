"""Intake batches, sorting sessions, output fractions, outbound partners and legs, and the kilogram ledger."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation, User
from app.collection.models import Pickup
from app.core.clock import utcnow
from app.db import Base, TimestampMixin, UTCDateTime
from app.fleet.models import Site
from app.rounds.models import RoundRoute, RouteStop

KG = Numeric(10, 1)


class IntakeSource(enum.StrEnum):
    ROUND = "round"  # a collection round of the yellow bins
    DROP_OFF = "drop_off"  # brought to the plant by a citizen or a partner
    DRIVE = "drive"  # a clothing drive (raccolta straordinaria)
    SYMBIOSIS = "symbiosis"  # a firm's surplus (industrial symbiosis)


class FractionKind(enum.StrEnum):
    REUSE_A = "reuse_a"  # second-hand shops
    REUSE_B = "reuse_b"  # redistribution to households
    REUSE_EXPORT = "reuse_export"
    RECYCLE_COTTON = "recycle_cotton"
    RECYCLE_WOOL = "recycle_wool"
    RECYCLE_SYNTHETIC = "recycle_synthetic"
    RECYCLE_MIXED = "recycle_mixed"
    SHOES_ACCESSORIES = "shoes_accessories"
    CONTAMINANTS = "contaminants"  # non-textile
    DISPOSAL = "disposal"


class SessionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class LedgerKind(enum.StrEnum):
    INTAKE = "intake"  # +net kg on a batch
    SORTED = "sorted"  # -net kg on a batch when its session closes
    FRACTION = "fraction"  # +kg on a fraction when its session closes
    LOSS = "loss"  # declared loss of a session (moisture, dust)
    OUTBOUND = "outbound"  # -kg on a fraction shipped out
    TO_STOCK = "to_stock"  # -estimated kg on a fraction taken into garment stock


batch_pickup = Table(
    "intake_batch_pickup",
    Base.metadata,
    Column("batch_id", ForeignKey("intake_batch.id", ondelete="CASCADE"), primary_key=True),
    # A pickup travels in at most one batch.
    Column("pickup_id", ForeignKey("pickup.id"), primary_key=True, unique=True),
)


class IntakeBatch(Base):
    """One arrival at the sorting plant, weighed on the weighbridge. Never edited once recorded."""

    __tablename__ = "intake_batch"
    __table_args__ = (
        CheckConstraint("tare_kg >= 0 AND gross_kg > tare_kg", name="weights_order"),
        CheckConstraint("ABS(net_kg - (gross_kg - tare_kg)) < 0.01", name="net_is_gross_minus_tare"),
        CheckConstraint("route_id IS NULL OR source = 'round'", name="route_only_from_rounds"),
        CheckConstraint(
            "end_of_route_id IS NULL OR (end_of_route_id = route_id AND unload_stop_id IS NULL)", name="one_unload"
        ),
        CheckConstraint("unload_stop_id IS NULL OR route_id IS NOT NULL", name="unload_has_route"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    site: Mapped[Site] = relationship()
    source: Mapped[str] = mapped_column(String(20))
    # The round whose unload this is (source "round"); its stops' pickups travel in the batch.
    route_id: Mapped[int | None] = mapped_column(ForeignKey("round_route.id"), index=True)
    route: Mapped[RoundRoute | None] = relationship(foreign_keys=[route_id])
    # Which unload of the round: a reload stop marked done (the pickups since the previous unload), or the
    # round's end (the pickups after its last unload, once closed). Unique: an unload is taken in once.
    unload_stop_id: Mapped[int | None] = mapped_column(ForeignKey("route_stop.id"), unique=True)
    unload_stop: Mapped[RouteStop | None] = relationship()
    end_of_route_id: Mapped[int | None] = mapped_column(ForeignKey("round_route.id"), unique=True)
    # Why the net weight differs from the pickups' kg beyond the tolerance (required then).
    difference_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    source_ref: Mapped[str] = mapped_column(String(120), default="")  # drive name, donor, free note
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    operator: Mapped[User | None] = relationship()
    eer_code: Mapped[str] = mapped_column(String(6))
    gross_kg: Mapped[Decimal] = mapped_column(KG)
    tare_kg: Mapped[Decimal] = mapped_column(KG)
    net_kg: Mapped[Decimal] = mapped_column(KG)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    pickups: Mapped[list[Pickup]] = relationship(secondary=batch_pickup, order_by=Pickup.collected_at)
    session_input: Mapped[SessionInput | None] = relationship(back_populates="batch", uselist=False)

    @property
    def lot_code(self) -> str:
        return f"IN-{self.id:06d}"


class SortingSession(Base):
    """Sorting of one or more whole batches into fractions; closes only when the mass balance does."""

    __tablename__ = "sorting_session"
    __table_args__ = (CheckConstraint("loss_kg IS NULL OR loss_kg >= 0", name="loss_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    site: Mapped[Site] = relationship()
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    loss_kg: Mapped[Decimal | None] = mapped_column(KG)  # set on close
    loss_reason: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    inputs: Mapped[list[SessionInput]] = relationship(back_populates="session", order_by="SessionInput.batch_id")
    fractions: Mapped[list[Fraction]] = relationship(back_populates="session", order_by="Fraction.id")

    @property
    def lot_code(self) -> str:
        return f"SS-{self.id:06d}"

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN


class SessionInput(Base):
    """A batch sorted in a session; the unique batch makes sorting a batch twice impossible."""

    __tablename__ = "sorting_input"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sorting_session.id"), index=True)
    session: Mapped[SortingSession] = relationship(back_populates="inputs")
    batch_id: Mapped[int] = mapped_column(ForeignKey("intake_batch.id"), unique=True)
    batch: Mapped[IntakeBatch] = relationship(back_populates="session_input")


class Fraction(Base):
    """An output of a session, in kg; a line may be removed only while its session is open."""

    __tablename__ = "sorting_fraction"
    __table_args__ = (CheckConstraint("weight_kg > 0", name="weight_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sorting_session.id"), index=True)
    session: Mapped[SortingSession] = relationship(back_populates="fractions")
    kind: Mapped[str] = mapped_column(String(30), index=True)
    weight_kg: Mapped[Decimal] = mapped_column(KG)
    eer_code: Mapped[str] = mapped_column(String(6), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def lot_code(self) -> str:
        return f"FR-{self.id:06d}"


class PartnerKind(enum.StrEnum):
    RECOVERY_PLANT = "recovery_plant"  # impianto di recupero o trattamento (operations R)
    DISPOSAL_PLANT = "disposal_plant"  # impianto di smaltimento (operations D)
    REUSE_BUYER = "reuse_buyer"  # buys sorted garments as goods
    SECOND_HAND_SHOP = "second_hand_shop"
    EXPORTER = "exporter"  # buys sorted garments for reuse abroad, as goods
    CARRIER = "carrier"  # transporter registered with the Albo Nazionale Gestori Ambientali


class DocumentKind(enum.StrEnum):
    FIR = "fir"  # formulario di identificazione del rifiuto: waste
    DDT = "ddt"  # documento di trasporto: goods (reuse fractions sold as products)


class OutboundPartner(TimestampMixin, Base):
    """A destination or a carrier of outbound legs, in the registry of one organisation."""

    __tablename__ = "outbound_partner"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation | None] = relationship()
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(160))
    fiscal_code: Mapped[str] = mapped_column(String(16), default="")  # partita IVA or codice fiscale
    address: Mapped[str] = mapped_column(String(200), default="")
    # Plants: the authorisation (AUA, art. 208 or 216 D.Lgs. 152/2006), who issued it, the R/D operations it covers.
    authorisation_number: Mapped[str] = mapped_column(String(60), default="")
    authorisation_authority: Mapped[str] = mapped_column(String(120), default="")
    operations: Mapped[str] = mapped_column(String(80), default="")  # "R3 R13", space-separated
    albo_number: Mapped[str] = mapped_column(String(30), default="")  # carriers: iscrizione all'Albo (e.g. MI/012345)
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)

    @property
    def operation_codes(self) -> list[str]:
        return self.operations.split()


class OutboundLeg(Base):
    """One transport out of a plant: its document, destination, carrier, R/D operation and EER code."""

    __tablename__ = "outbound_leg"
    __table_args__ = (
        CheckConstraint("document_kind IN ('fir', 'ddt')", name="document_kind_known"),
        # Waste travels with a FIR and an EER code; goods with a DDT and none.
        CheckConstraint("(eer_code = '') = (document_kind = 'ddt')", name="eer_with_fir_only"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    site: Mapped[Site] = relationship()
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("outbound_partner.id"), index=True)
    destination: Mapped[OutboundPartner] = relationship(foreign_keys=[destination_id])
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_partner.id"), index=True)
    carrier: Mapped[OutboundPartner | None] = relationship(foreign_keys=[carrier_id])
    document_kind: Mapped[str] = mapped_column(String(3))
    document_number: Mapped[str] = mapped_column(String(60), default="")
    rd_operation: Mapped[str] = mapped_column(String(3), default="")  # R3, R13, D1, D15 … ("" for goods)
    eer_code: Mapped[str] = mapped_column(String(6), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by: Mapped[User | None] = relationship()
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)
    lines: Mapped[list[OutboundLine]] = relationship(back_populates="leg", order_by="OutboundLine.id")

    @property
    def weight_kg(self) -> Decimal:
        return sum((line.weight_kg for line in self.lines), Decimal(0))

    @property
    def is_waste(self) -> bool:
        return self.document_kind == DocumentKind.FIR


class OutboundLine(Base):
    """Kilograms of one fraction on a leg, taken out of the fraction by its own kg-ledger row."""

    __tablename__ = "outbound_line"
    __table_args__ = (
        CheckConstraint("weight_kg > 0", name="weight_positive"),
        UniqueConstraint("leg_id", "fraction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leg_id: Mapped[int] = mapped_column(ForeignKey("outbound_leg.id"), index=True)
    leg: Mapped[OutboundLeg] = relationship(back_populates="lines")
    fraction_id: Mapped[int] = mapped_column(ForeignKey("sorting_fraction.id"), index=True)
    fraction: Mapped[Fraction] = relationship()
    # The ledger row that took the kilos out of the fraction.
    kg_entry_id: Mapped[int] = mapped_column(ForeignKey("kg_ledger.id"), unique=True)
    kg_entry: Mapped[KgEntry] = relationship()
    weight_kg: Mapped[Decimal] = mapped_column(KG)


class KgEntry(Base):
    """One row of the kilogram ledger: the balance of a batch or a fraction is the sum of its rows."""

    __tablename__ = "kg_ledger"
    __table_args__ = (CheckConstraint("(batch_id IS NULL) <> (fraction_id IS NULL) OR kind = 'loss'", name="one_lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("intake_batch.id"), index=True)
    fraction_id: Mapped[int | None] = mapped_column(ForeignKey("sorting_fraction.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sorting_session.id"), index=True)
    delta_kg: Mapped[Decimal] = mapped_column(KG)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
