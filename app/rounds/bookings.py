"""Who and what a published round holds on its day: a truck is on one open round at a time, a stop is visited once.

Publishing a plan is refused when one of its trucks is on an open route of another published plan of the same
day at overlapping times, or when one of its bins or symbiosis pickups is still to be done on another published
plan of that day (:func:`check_publishable`); planning a day leaves out the bins already on such a round
(:func:`pending_bins`), and planning a week counts them emptied by it on that day and does not give the day a
truck that is on such a round (:func:`open_routes`, ``app.rounds.week``). Drivers booked twice are a warning of
the review page only (:func:`overlapping`): the coordinator may be about to change the other plan's driver.
Deliveries have their own guard (``app.welfare.delivery_planning.publish``). Other days are not concerned: a bin
on Monday's and Wednesday's published rounds of a week is two visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, or_, select, text

from app.errors import ValidationError
from app.extensions import db
from app.rounds.labels import stop_code
from app.rounds.models import PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus

#: At most this many stops are named in a refusal; the rest are counted.
NAMED_STOPS = 10


@dataclass(frozen=True)
class Overlap:
    """A route of the plan and a route of another published plan of the day with the same truck or driver."""

    mine: RoundRoute
    other: RoundRoute


def open_routes(service_date: date, column: str, values: set[int], except_plan: int | None = None) -> list[RoundRoute]:
    """Open (not closed) routes with stops of the published plans of ``service_date`` (but ``except_plan``) whose
    ``column`` (``"vehicle_id"`` or ``"driver_id"``) is one of ``values``."""
    if not values:
        return []
    query = (
        select(RoundRoute)
        .join(RoundPlan)
        .where(
            RoundPlan.service_date == service_date,
            RoundPlan.status == PlanStatus.PUBLISHED,
            RoundRoute.closed_at.is_(None),
            RoundRoute.stops.any(),
            getattr(RoundRoute, column).in_(values),
        )
        .order_by(RoundRoute.plan_id, RoundRoute.id)
    )
    if except_plan is not None:
        query = query.where(RoundPlan.id != except_plan)
    return list(db.session.scalars(query))


def overlapping(plan: RoundPlan, column: str) -> list[Overlap]:
    """Routes of ``plan`` with stops whose ``column`` (``"vehicle_id"`` or ``"driver_id"``) is also on an open route
    with stops of another published plan of the same day, at overlapping times (a closed route is over)."""
    ours = [r for r in plan.routes if getattr(r, column) is not None and r.stops]
    others = open_routes(plan.service_date, column, {getattr(r, column) for r in ours}, except_plan=plan.id)
    return [
        Overlap(mine, other)
        for mine in ours
        for other in others
        if getattr(other, column) == getattr(mine, column)
        and other.start_at < mine.end_at
        and mine.start_at < other.end_at
    ]


def pending_published() -> Select[tuple[RouteStop]]:
    """Stops still to be done on published rounds, of any day and kind: callers narrow it."""
    return (
        select(RouteStop)
        .join(RoundRoute, RoundRoute.id == RouteStop.route_id)
        .join(RoundPlan, RoundPlan.id == RoundRoute.plan_id)
        .where(RouteStop.status == StopStatus.PENDING, RoundPlan.status == PlanStatus.PUBLISHED)
    )


def _pending_elsewhere(service_date: date, plan_id: int | None) -> list[RouteStop]:
    """Bin and symbiosis stops still to be done on the published plans of ``service_date`` (but ``plan_id``)."""
    query = pending_published().where(
        RoundPlan.service_date == service_date,
        RouteStop.kind.not_in((StopKind.RELOAD, StopKind.DELIVERY)),
        or_(RouteStop.bin_id.is_not(None), RouteStop.reference != ""),
    )
    if plan_id is not None:
        query = query.where(RoundPlan.id != plan_id)
    return list(db.session.scalars(query))


def pending_bins(service_date: date) -> set[int]:
    """Bins still to be emptied on a published round of ``service_date``: a new plan of that day leaves them out."""
    return {s.bin_id for s in _pending_elsewhere(service_date, None) if s.bin_id is not None}


def _identity(stop: RouteStop) -> tuple[int | None, str]:
    return (stop.bin_id, "") if stop.bin_id is not None else (None, stop.reference)


def twice_visited(plan: RoundPlan) -> list[tuple[RouteStop, RouteStop]]:
    """Stops of ``plan`` (bins, symbiosis pickups) still to be done on another published plan of its day: each with
    the other plan's stop."""
    elsewhere = {_identity(s): s for s in _pending_elsewhere(plan.service_date, plan.id)}
    if not elsewhere:
        return []
    ours = [s for r in plan.routes for s in r.stops if s.kind not in (StopKind.RELOAD, StopKind.DELIVERY)]
    return [(s, elsewhere[_identity(s)]) for s in ours if _identity(s) in elsewhere]


def clashes(plan: RoundPlan) -> list[str]:
    """Why ``plan`` cannot be published beside the published plans of its day (trucks, stops), in words."""
    messages = [
        _(
            "Il mezzo %(plate)s è già in giro nel piano n. %(other)s, pubblicato per lo stesso giorno, in orari che si "
            "sovrappongono: ricalcola questo piano con altri mezzi, o ripianifica l'altro.",
            plate=o.mine.vehicle.plate,
            other=o.other.plan_id,
        )
        for o in overlapping(plan, "vehicle_id")
    ]
    twice = twice_visited(plan)
    if twice:
        names = [stop_code(mine) for mine, _other in twice]
        listed = ", ".join(names[:NAMED_STOPS])
        if len(names) > NAMED_STOPS:
            listed = _("%(names)s e altre %(more)s", names=listed, more=len(names) - NAMED_STOPS)
        plans = ", ".join(str(p) for p in sorted({other.route.plan_id for _mine, other in twice}))
        messages.append(
            ngettext(
                "Una fermata è ancora da fare in un giro pubblicato dello stesso giorno (piano n. %(plans)s): "
                "%(names)s. Ricalcola questo piano: ne resterà fuori.",
                "%(num)s fermate sono ancora da fare in giri pubblicati dello stesso giorno (piano n. %(plans)s): "
                "%(names)s. Ricalcola questo piano: ne resteranno fuori.",
                len(names),
                plans=plans,
                names=listed,
            )
        )
    return messages


#: First key of the PostgreSQL advisory lock taken while a plan of a day is checked and published (the second is the
#: day): "FM" in ASCII, so that no other lock of the application shares it.
PUBLISH_LOCK = 0x464D


def check_publishable(plan: RoundPlan) -> None:
    """Refuse to publish ``plan`` while one of its trucks or stops is taken by another published plan of its day.

    On PostgreSQL the publications of one day are checked one at a time (a transaction-level advisory lock on the
    day, held until the publication commits), so two plans that share a truck, a bin or a pickup, published at the
    same moment, cannot both pass; SQLite's writers already queue.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        day = plan.service_date.toordinal()
        db.session.execute(text("SELECT pg_advisory_xact_lock(:space, :day)"), {"space": PUBLISH_LOCK, "day": day})
    messages = clashes(plan)
    if messages:
        raise ValidationError(" ".join([_("Non si può pubblicare."), *messages]))
