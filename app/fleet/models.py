"""Sites (depots, sorting plants, warehouses, distribution points) and vehicles."""

from __future__ import annotations

import enum
from collections.abc import Container, Iterable
from datetime import date, time
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Time, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation
from app.db import Base, TimestampMixin
from app.geo.models import Comune

#: Monday to Friday as a weekday mask (bit d = weekday d, Monday = 0): a vehicle's service days unless set.
WORKING_WEEK = 0b0011111


class SiteKind(enum.StrEnum):
    DEPOT = "depot"
    SORTING_PLANT = "sorting_plant"
    WAREHOUSE = "warehouse"
    DISTRIBUTION_POINT = "distribution_point"
    COMPANY = "company"  # premises of a symbiosis participant (where its surplus is picked up)


class Site(TimestampMixin, Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation | None] = relationship()
    street: Mapped[str] = mapped_column(String(160))
    civic_number: Mapped[str] = mapped_column(String(16), default="")
    cap: Mapped[str] = mapped_column(String(5))
    comune_code: Mapped[str] = mapped_column(ForeignKey("comune.istat_code"), index=True)
    comune: Mapped[Comune] = relationship()
    lon: Mapped[float]
    lat: Mapped[float]
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def address(self) -> str:
        civic = f" {self.civic_number}" if self.civic_number else ""
        return f"{self.street}{civic}, {self.cap} {self.comune.name}"


class Vehicle(TimestampMixin, Base):
    __tablename__ = "vehicle"
    __table_args__ = (
        CheckConstraint("capacity_kg > 0", name="capacity_kg_positive"),
        CheckConstraint("shift_end > shift_start", name="shift_order"),
        CheckConstraint("capacity_pieces IS NULL OR capacity_pieces > 0", name="capacity_pieces_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(10), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation] = relationship()
    home_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    home_site: Mapped[Site] = relationship()
    capacity_kg: Mapped[int]
    capacity_m3: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    capacity_pieces: Mapped[int | None]  # garments per trip for deliveries (crates, rails); None = no limit
    shift_start: Mapped[time] = mapped_column(Time())
    shift_end: Mapped[time] = mapped_column(Time())
    cost_per_km_eur: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    cost_per_hour_eur: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    # What a day of use costs whatever the distance (truck amortisation, insurance, crew day): the planner
    # weighs it against a second trip of a truck already out.
    fixed_cost_eur: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0), server_default="0")
    ztl_allowed: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The weekdays it goes out (bit d = weekday d, Monday = 0; Monday to Friday by default): the week planner gives
    # it those days, and a bin's next round after a week is its operator's next such day.
    service_days: Mapped[int] = mapped_column(default=WORKING_WEEK, server_default=str(WORKING_WEEK))
    # Whether it also goes out on a public holiday that falls on one of its service days.
    works_holidays: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def service_weekdays(self) -> list[int]:
        """The weekdays it goes out, Monday = 0."""
        return [d for d in range(7) if self.service_days >> d & 1]

    @service_weekdays.setter
    def service_weekdays(self, weekdays: Iterable[int]) -> None:
        self.service_days = sum(1 << d for d in set(weekdays))

    def in_service(self, day: date, holidays: Container[date] = ()) -> bool:
        """Whether it goes out on ``day``: one of its weekdays, and not one of ``holidays`` unless it works them."""
        return bool(self.service_days >> day.weekday() & 1) and (self.works_holidays or day not in holidays)
