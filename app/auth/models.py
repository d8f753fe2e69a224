"""Users, organisations and login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, UTCDateTime
from app.geo.models import Comune


class OrganisationKind(enum.StrEnum):
    OPERATOR = "operator"
    SOCIAL_SERVICES = "social_services"
    COORDINATION = "coordination"
    # The symbiosis marketplace's participants (their users have the role ``company``).
    FIRM = "firm"  # fashion and textile companies, tailors, designers
    MAKERSPACE = "makerspace"  # makerspaces and fablabs
    SOCIAL_ENTERPRISE = "social_enterprise"  # social cooperatives and start-ups
    SCHOOL = "school"


COMPANY_KINDS = frozenset(
    {OrganisationKind.FIRM, OrganisationKind.MAKERSPACE, OrganisationKind.SOCIAL_ENTERPRISE, OrganisationKind.SCHOOL}
)


organisation_comune = Table(
    "organisation_comune",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("comune_code", ForeignKey("comune.istat_code"), primary_key=True),
)


class Organisation(TimestampMixin, Base):
    """A collection operator (cooperative, utility) or a social-services office."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    comuni: Mapped[list[Comune]] = relationship(secondary=organisation_comune, order_by=Comune.name)
    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def comune_codes(self) -> set[str]:
        return {c.istat_code for c in self.comuni}


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation] = relationship(back_populates="users")
    locale: Mapped[str] = mapped_column(String(5), default="it")
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by an admin's reset: the next login leads to the password change before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active


class LoginSession(Base):
    """One browser login; revoking it makes a copied session cookie useless."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
