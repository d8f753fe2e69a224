"""Pickups logged at bins, with incidents, and the idempotency keys of API submissions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.bins.models import Bin
from app.core.clock import utcnow
from app.db import Base, UTCDateTime


class IncidentCode(enum.StrEnum):
    OVERFLOW = "overflow"  # bags on the ground / overflowing
    DAMAGED = "damaged"
    VANDALISED = "vandalised"
    INACCESSIBLE = "inaccessible"
    MISSING = "missing"
    CONTAMINATED = "contaminated"  # contaminated or wet


class PickupSource(enum.StrEnum):
    WEB = "web"
    API = "api"
    ROUND = "round"
    CORRECTION = "correction"
    DEMO = "demo"


def fill_kg(fill_percent: int | None, full_weight_kg: int) -> Decimal:
    """The kg a fill level stands for (a bin without a scale): the fill % of the bin's full weight, to 0,1 kg."""
    return (Decimal(fill_percent or 0) * full_weight_kg / 100).quantize(Decimal("0.1"))


class Pickup(Base):
    """One emptying of a bin. Never edited: a correction is a new row pointing at the one it corrects."""

    __tablename__ = "pickup"
    __table_args__ = (
        CheckConstraint("weight_kg IS NULL OR weight_kg >= 0", name="weight_non_negative"),
        CheckConstraint("fill_percent IS NULL OR (fill_percent >= 0 AND fill_percent <= 150)", name="fill_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), index=True)
    bin: Mapped[Bin] = relationship()
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))  # weighed
    fill_percent: Mapped[int | None]  # estimated when there is no scale
    incidents: Mapped[str] = mapped_column(String(200), default="")  # comma-separated IncidentCode values
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default=PickupSource.WEB)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by: Mapped[User | None] = relationship()
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("pickup.id"), index=True)
    superseded: Mapped[bool] = mapped_column(default=False)  # true once a correction replaces it
    # The truck that carried it (the round's vehicle, or chosen on a hand-entered pickup): intake lists by it.
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)

    @property
    def kg(self) -> Decimal:
        """Weighed kg, or the kg its fill level stands for (``estimated``)."""
        if self.weight_kg is not None:
            return self.weight_kg
        return fill_kg(self.fill_percent, self.bin.full_weight_kg)

    @property
    def estimated(self) -> bool:
        return self.weight_kg is None

    @property
    def incident_codes(self) -> list[str]:
        return [c for c in self.incidents.split(",") if c]


class IdempotencyKey(Base):
    """An API submission already handled: a resend gets the first answer, never a second row.

    Keys are scoped per user, so one client can never see or block another's submissions.
    """

    __tablename__ = "idempotency_key"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FillReading(Base):
    """A fill level measured at a bin by a sensor (or read by a person), used by the forecast."""

    __tablename__ = "fill_reading"
    __table_args__ = (CheckConstraint("fill_percent >= 0 AND fill_percent <= 150", name="fill_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), index=True)
    bin: Mapped[Bin] = relationship()
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    fill_percent: Mapped[int]
    device: Mapped[str] = mapped_column(String(60), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    """A personal API token: only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship()
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: until revoked


class CitizenReportKind(enum.StrEnum):
    FULL = "full"  # becomes a fill reading of 100 %
    BAGS_ON_GROUND = "bags_on_ground"  # a fill reading of 100 % and an open overflow for the planner
    DAMAGED = "damaged"  # an incident for the operator; the forecast is not changed


class CitizenReportStatus(enum.StrEnum):
    OPEN = "open"
    HANDLED = "handled"
    SPURIOUS = "spurious"  # its fill reading no longer counts in the forecast


class CitizenReport(Base):
    """What a citizen reported at a bin from its public page: no personal data, an optional photo without EXIF."""

    __tablename__ = "citizen_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), index=True)
    bin: Mapped[Bin] = relationship()
    kind: Mapped[str] = mapped_column(String(20))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    fill_reading_id: Mapped[int | None] = mapped_column(ForeignKey("fill_reading.id"))
    fill_reading: Mapped[FillReading | None] = relationship()
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)  # JPEG, re-encoded: no EXIF
    status: Mapped[str] = mapped_column(String(20), default=CitizenReportStatus.OPEN, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_by: Mapped[User | None] = relationship()
