"""Comuni of the Città metropolitana di Milano with their ISTAT boundaries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.db import Base, TimestampMixin, UTCDateTime


class Comune(TimestampMixin, Base):
    __tablename__ = "comune"

    istat_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    province_code: Mapped[str] = mapped_column(String(3))
    population: Mapped[int | None]
    # Boundary in WGS84 as WKB: portable across SQLite and PostgreSQL without PostGIS.
    boundary_wkb: Mapped[bytes] = mapped_column(LargeBinary)


class GeocodeAnswer(Base):
    """A geocoder's answer kept for a while: the usage policy of Nominatim asks not to repeat a query."""

    __tablename__ = "geocode_answer"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of provider, server and query
    query: Mapped[str] = mapped_column(String(200))
    places_json: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
