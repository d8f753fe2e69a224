"""Donation bins (the yellow clothing containers) and their status history."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation, User
from app.core.clock import utcnow
from app.db import Base, TimestampMixin, UTCDateTime
from app.geo.models import Comune


class Stream(enum.StrEnum):
    REUSE = "reuse"
    MATERIAL_RECOVERY = "material_recovery"


class BinStatus(enum.StrEnum):
    ACTIVE = "active"
    DAMAGED = "damaged"
    INACCESSIBLE = "inaccessible"  # temporarily
    REMOVED = "removed"


DEFAULT_EER_CODE = "200110"  # EER 20 01 10: abbigliamento (clothes)


def new_public_code() -> str:
    """The code of a bin's public page (its QR sticker): random and unguessable, never the internal id."""
    return secrets.token_urlsafe(9)  # 12 URL-safe characters, 72 random bits


class Bin(TimestampMixin, Base):
    __tablename__ = "bin"
    __table_args__ = (
        UniqueConstraint("operator_id", "code"),
        CheckConstraint("capacity_l > 0", name="capacity_positive"),
        CheckConstraint("full_weight_kg > 0", name="full_weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))  # printed on the bin, unique per operator
    operator_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    operator: Mapped[Organisation] = relationship()
    stream: Mapped[str] = mapped_column(String(20), default=Stream.REUSE)
    eer_code: Mapped[str] = mapped_column(String(6), default=DEFAULT_EER_CODE)
    street_type: Mapped[str] = mapped_column(String(20))  # Via, Viale, Piazza, Corso, Largo…
    street_name: Mapped[str] = mapped_column(String(120))
    civic_number: Mapped[str] = mapped_column(String(10), default="")  # "12", "12/A", "12 bis", "SNC"
    cap: Mapped[str] = mapped_column(String(5))
    comune_code: Mapped[str] = mapped_column(ForeignKey("comune.istat_code"), index=True)
    comune: Mapped[Comune] = relationship()
    lon: Mapped[float]
    lat: Mapped[float]
    capacity_l: Mapped[int]
    full_weight_kg: Mapped[int]  # nominal weight when full
    status: Mapped[str] = mapped_column(String(20), default=BinStatus.ACTIVE, index=True)
    access_notes: Mapped[str] = mapped_column(Text, default="")
    service_hours: Mapped[str] = mapped_column(String(60), default="")  # e.g. "06:00-20:00"
    outside_area_override: Mapped[bool] = mapped_column(default=False)  # set only by an admin
    is_demo: Mapped[bool] = mapped_column(default=False)
    public_code: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_code)
    status_history: Mapped[list[BinStatusChange]] = relationship(
        back_populates="bin", order_by="BinStatusChange.changed_at", cascade="all, delete-orphan"
    )

    @property
    def address(self) -> str:
        civic = f" {self.civic_number}" if self.civic_number else ""
        return f"{self.street_type} {self.street_name}{civic}, {self.cap} {self.comune.name}"

    @property
    def eer_display(self) -> str:
        return f"{self.eer_code[:2]} {self.eer_code[2:4]} {self.eer_code[4:]}"


class BinStatusChange(Base):
    """Every status a bin has had, with who set it, when and why."""

    __tablename__ = "bin_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id", ondelete="CASCADE"), index=True)
    bin: Mapped[Bin] = relationship(back_populates="status_history")
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_by: Mapped[User | None] = relationship()
    reason: Mapped[str] = mapped_column(String(200), default="")


class AuditEntry(Base):
    """Who created, edited, moved or imported what: one row per change, never edited."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))  # "bin", "pickup", …
    entity_id: Mapped[int] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(20))  # create, update, move, status, import, correct
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field: [old, new]}


class BinImportPreview(Base):
    """A checked upload waiting for «Conferma importazione»: in the database, so any web process can confirm it."""

    __tablename__ = "bin_import_preview"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
