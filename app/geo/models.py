"""Comuni of the Città metropolitana di Milano with their ISTAT boundaries."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin


class Comune(TimestampMixin, Base):
    __tablename__ = "comune"

    istat_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    province_code: Mapped[str] = mapped_column(String(3))
    population: Mapped[int | None]
    # Boundary in WGS84 as WKB: portable across SQLite and PostgreSQL without PostGIS.
    boundary_wkb: Mapped[bytes] = mapped_column(LargeBinary)
