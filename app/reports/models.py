"""The plant's chronological load/unload register (registro cronologico di carico e scarico), as rows."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.clock import utcnow
from app.db import Base, UTCDateTime
from app.fleet.models import Site
from app.sorting.models import IntakeBatch, OutboundLeg


class Cause(enum.StrEnum):
    """RENTRI's ``causale_operazione`` of the entries a sorting plant writes."""

    RECEIVED = "T*"  # carico: ricevuto da terzi (an intake)
    TO_THIRD_PARTY = "aT"  # scarico a terzi (a FIR leg)
    MATERIALS = "M"  # scarico per produzione di materiali: prepared for reuse, left as goods (a DDT leg)


class RegisterEntry(Base):
    """One annotation of the register: written once, numbered per plant and year, never edited.

    An original entry points at the intake or the outbound leg it records; a correction (rettifica)
    points at the entry it corrects and carries the whole corrected record. The partners' names and
    numbers are copied, so the register stays as annotated when the registry changes.
    """

    __tablename__ = "register_entry"
    __table_args__ = (
        UniqueConstraint("site_id", "year", "number"),
        CheckConstraint("direction IN ('load', 'unload')", name="direction_known"),
        CheckConstraint("weight_kg >= 0", name="weight_non_negative"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("intake_batch_id IS NULL OR outbound_leg_id IS NULL", name="not_two_sources"),
        CheckConstraint(
            "(corrects_id IS NULL) = ((intake_batch_id IS NULL) <> (outbound_leg_id IS NULL))", name="one_source"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    site: Mapped[Site] = relationship()
    year: Mapped[int]
    number: Mapped[int]
    direction: Mapped[str] = mapped_column(String(6))
    cause: Mapped[str] = mapped_column(String(4))
    operation_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the waste arrived or left
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    registered_by: Mapped[User | None] = relationship()
    intake_batch_id: Mapped[int | None] = mapped_column(ForeignKey("intake_batch.id"), unique=True)
    intake_batch: Mapped[IntakeBatch | None] = relationship()
    outbound_leg_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_leg.id"), unique=True)
    outbound_leg: Mapped[OutboundLeg | None] = relationship()
    # A correction: the entry it corrects (each entry is corrected at most once; correct the correction after).
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("register_entry.id"), unique=True)
    corrects: Mapped[RegisterEntry | None] = relationship(remote_side=[id])
    eer_code: Mapped[str] = mapped_column(String(6), default="")  # "" for goods (cause M)
    origin: Mapped[str] = mapped_column(String(1), default="")  # U urban, S special
    physical_state: Mapped[str] = mapped_column(String(2), default="S")  # S solid
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    rd_operation: Mapped[str] = mapped_column(String(3), default="")
    material: Mapped[str] = mapped_column(String(3), default="")  # RENTRI material of cause M: TE textiles
    fir_required: Mapped[bool] = mapped_column(default=True)
    fir_number: Mapped[str] = mapped_column(String(60), default="")
    ddt_number: Mapped[str] = mapped_column(String(60), default="")
    carrier_name: Mapped[str] = mapped_column(String(160), default="")
    carrier_fiscal_code: Mapped[str] = mapped_column(String(16), default="")
    carrier_albo_number: Mapped[str] = mapped_column(String(30), default="")
    destination_name: Mapped[str] = mapped_column(String(160), default="")
    destination_fiscal_code: Mapped[str] = mapped_column(String(16), default="")
    destination_authorisation: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def fir_exempt(self) -> bool:
        """Waste carried without a FIR by the public collection service (art. 193 c.4 D.Lgs. 152/2006)."""
        return self.cause == Cause.RECEIVED and not self.fir_required

    @property
    def code(self) -> str:
        """``2026/000123``, as the register numbers it."""
        return f"{self.year}/{self.number:06d}"
