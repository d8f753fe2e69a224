"""Round plans (collection and delivery), their routes and stops, and planning jobs."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.bins.models import Bin
from app.core.clock import utcnow
from app.db import Base, TimestampMixin, UTCDateTime
from app.fleet.models import Site, Vehicle


class PlanKind(enum.StrEnum):
    COLLECTION = "collection"
    DELIVERY = "delivery"


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # produced by the optimiser, editable by coordinators
    PUBLISHED = "published"  # visible to drivers; stops can be done/skipped
    CLOSED = "closed"  # the day is over; actuals frozen


class StopKind(enum.StrEnum):
    BIN = "bin"  # pick up at a donation bin
    DELIVERY = "delivery"  # deliver to a household / distribution point
    RELOAD = "reload"  # unload at the sorting plant (or load at the warehouse) and go out again
    SYMBIOSIS = "symbiosis"  # pick up a firm's surplus matched on the symbiosis marketplace


class StopStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RoundPlan(TimestampMixin, Base):
    """One day's plan for a set of vehicles; edited as a whole, guarded by ``version``."""

    __tablename__ = "round_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=PlanKind.COLLECTION)
    service_date: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock for edits
    approximate: Mapped[bool] = mapped_column(default=False)  # straight line × circuity, no road network
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    params_json: Mapped[str] = mapped_column(Text, default="{}")  # threshold, sites, vehicles, seed, time limit
    distance_m: Mapped[int] = mapped_column(default=0)
    duration_s: Mapped[int] = mapped_column(default=0)
    cost_eur_cents: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    routes: Mapped[list[RoundRoute]] = relationship(
        back_populates="plan", order_by="RoundRoute.position", cascade="all, delete-orphan"
    )
    unassigned: Mapped[list[UnassignedStop]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class RoundRoute(Base):
    """The ordered work of one vehicle (and its driver) in a plan."""

    __tablename__ = "round_route"
    __table_args__ = (UniqueConstraint("plan_id", "vehicle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("round_plan.id", ondelete="CASCADE"), index=True)
    plan: Mapped[RoundPlan] = relationship(back_populates="routes")
    position: Mapped[int] = mapped_column(default=0)  # colour index on the map
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    vehicle: Mapped[Vehicle] = relationship()
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    driver: Mapped[User | None] = relationship(foreign_keys=[driver_id])
    start_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    start_site: Mapped[Site] = relationship(foreign_keys=[start_site_id])
    end_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    end_site: Mapped[Site] = relationship(foreign_keys=[end_site_id])
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    distance_m: Mapped[int] = mapped_column(default=0)
    duration_s: Mapped[int] = mapped_column(default=0)
    load_kg: Mapped[int] = mapped_column(default=0)  # total planned kg
    geometry_json: Mapped[str] = mapped_column(Text, default="")  # GeoJSON LineString of the road path
    streets_json: Mapped[str] = mapped_column(Text, default="[]")  # street names per leg
    # Set when the round ends: the driver closes it, or marks its final unload done with nothing pending.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="route", order_by="RouteStop.sequence", cascade="all, delete-orphan"
    )


class RouteStop(Base):
    """A planned visit; once published the driver marks it done (with kg) or skipped (with a reason)."""

    __tablename__ = "route_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("round_route.id", ondelete="CASCADE"), index=True)
    route: Mapped[RoundRoute] = relationship(back_populates="stops")
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20), default=StopKind.BIN)
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id"), index=True)
    bin: Mapped[Bin | None] = relationship()
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))  # reload site
    site: Mapped[Site | None] = relationship()
    reference: Mapped[str] = mapped_column(String(60), default="")  # e.g. "delivery:12" for issue 8
    lon: Mapped[float]
    lat: Mapped[float]
    arrival_at: Mapped[datetime] = mapped_column(UTCDateTime())
    departure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_kg: Mapped[int] = mapped_column(default=0)
    planned_pieces: Mapped[int] = mapped_column(default=0)  # garments to hand over (deliveries)
    planned_volume_l: Mapped[int] = mapped_column(default=0)  # packed litres (deliveries)
    service_s: Mapped[int] = mapped_column(default=180)  # time at the stop, as planned
    window_start_s: Mapped[int | None]  # the stop's time window, seconds from local midnight
    window_end_s: Mapped[int | None]
    load_after_kg: Mapped[int] = mapped_column(default=0)
    required: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)  # kept in place by re-optimisation
    status: Mapped[str] = mapped_column(String(20), default=StopStatus.PENDING, index=True)
    skip_reason: Mapped[str] = mapped_column(String(40), default="")
    actual_kg: Mapped[float | None]
    actual_fill_percent: Mapped[int | None]
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pickup_id: Mapped[int | None] = mapped_column(ForeignKey("pickup.id"))


class StopPhoto(Base):
    """The optional photo taken when a stop is marked done (a delivery's proof); one per stop."""

    __tablename__ = "stop_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_stop_id: Mapped[int] = mapped_column(ForeignKey("route_stop.id", ondelete="CASCADE"), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size_bytes: Mapped[int]
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UnassignedStop(Base):
    """A bin (or delivery) considered but left out of the plan, with the reason."""

    __tablename__ = "unassigned_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("round_plan.id", ondelete="CASCADE"), index=True)
    plan: Mapped[RoundPlan] = relationship(back_populates="unassigned")
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id"))
    bin: Mapped[Bin | None] = relationship()
    reference: Mapped[str] = mapped_column(String(60), default="")
    required: Mapped[bool] = mapped_column(default=False)
    planned_kg: Mapped[int] = mapped_column(default=0, server_default="0")  # what it would have weighed
    reason: Mapped[str] = mapped_column(String(300))


class PlanningJob(Base):
    """A background planning run: progress and cancel go through this row; a plan is saved only at the end."""

    __tablename__ = "planning_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=PlanKind.COLLECTION)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED, index=True)
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    progress_json: Mapped[str] = mapped_column(Text, default="[]")  # [[elapsed_s, best_cost], …]
    message: Mapped[str] = mapped_column(Text, default="")  # failure reason, in Italian
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("round_plan.id", ondelete="SET NULL"))
    plan: Mapped[RoundPlan | None] = relationship()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Times the queue handed the job to a worker (1 normally) and which worker (host:pid) took it.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    worker: Mapped[str] = mapped_column(String(120), default="", server_default="")


class WeekPlan(Base):
    """A planned horizon of 2–7 days («Pianifica la settimana»): one draft round plan per day with rounds."""

    __tablename__ = "week_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[date] = mapped_column(index=True)
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    # bins (ids, JSON list) that overflow before the next round after the last day whatever the visit days
    overflowing_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("planning_job.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    days: Mapped[list[WeekPlanDay]] = relationship(
        back_populates="week", order_by="WeekPlanDay.day_index", cascade="all, delete-orphan"
    )


class WeekPlanDay(Base):
    """One day of a week plan: the bins the week gave it (key → kg) and its current round plan."""

    __tablename__ = "week_plan_day"
    __table_args__ = (UniqueConstraint("week_plan_id", "day_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_plan_id: Mapped[int] = mapped_column(ForeignKey("week_plan.id", ondelete="CASCADE"), index=True)
    week: Mapped[WeekPlan] = relationship(back_populates="days")
    day_index: Mapped[int]
    service_date: Mapped[date]
    vehicle_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    stops_json: Mapped[str] = mapped_column(Text, default="{}")  # {"bin:12": 180, ...}
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("round_plan.id", ondelete="SET NULL"), index=True)
    plan: Mapped[RoundPlan | None] = relationship()
