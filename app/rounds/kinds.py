"""What differs between kinds of plan and kinds of stop: planning rules, and what a driver does at a stop.

The rounds domain plans, saves, edits, publishes and drives every kind the same way. A domain that brings
its own stops (welfare deliveries) registers a :class:`KindRules` (planning) and a :class:`StopKindHooks`
(driver mode) here, from its ``register_kinds()`` called by ``create_app``, so rounds never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from app.collection.schemas import parse_moment
from app.errors import ValidationError

if TYPE_CHECKING:
    from app.auth.models import User
    from app.rounds.models import RoundPlan, RouteStop
    from app.rounds.records import StopRecord
    from app.rounds.services import PlanParams, Prepared


def _nothing(_plan: RoundPlan, _user: User | None) -> None:
    return None


@dataclass(frozen=True)
class KindRules:
    """``check`` refuses bad choices before a job is queued; ``prepare`` reads the stops (the only reads of a
    plan); ``on_publish`` runs inside the publishing transaction and may refuse it with a ``DomainError``."""

    check: Callable[[PlanParams], Any]
    prepare: Callable[[PlanParams], Prepared]
    on_publish: Callable[[RoundPlan, User | None], None] = _nothing


_KINDS: dict[str, KindRules] = {}


def register(name: str, rules: KindRules) -> None:
    _KINDS[name] = rules


def get(name: str) -> KindRules:
    if name not in _KINDS:
        raise ValidationError(_("Tipo di piano sconosciuto: %(kind)s", kind=name))
    return _KINDS[name]


class RecordedRefusal(ValidationError):
    """Refused, but the attempt itself is kept (a wrong handover code counts): answered and stored once."""

    code = "refused"

    def __init__(self, message: str, stop: RouteStop, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.stop = stop


@dataclass(frozen=True)
class StopAction:
    """A driver's «done» or «skip» at a stop: the checked JSON body (photo taken out), who, and when it arrived."""

    body: dict[str, Any]
    user: User
    now: datetime
    with_photo: bool = False

    def at(self) -> datetime | None:
        """When it happened on the phone (``collected_at``, sent later by an offline outbox), if given."""
        return parse_moment(self.body.get("collected_at"), "collected_at")

    def text(self, name: str) -> str:
        value = self.body.get(name) or ""
        if not isinstance(value, str):
            raise ValidationError(_("Serve un testo."), field=name)
        return value


def _everyone(_stop: RouteStop, _user: User | None) -> bool:
    return True


def _no_fields(_stop: RouteStop, _user: User | None) -> dict[str, Any]:
    return {}


def _no_labels() -> dict[str, dict[str, str]]:
    return {}


@dataclass(frozen=True)
class StopKindHooks:
    """Driver mode at one kind of stop.

    ``done_fields``/``skip_fields``: the JSON fields each action takes (others are refused by name);
    ``on_done``/``on_skip`` record the action inside the request's transaction (``flush``, never commit) and
    may refuse it with a ``DomainError`` (a :class:`RecordedRefusal` is kept and answered once);
    ``sheet_fields``: what the route sheet shows of the stop for ``user`` (label, address, notes…);
    ``labels``: the code → label choices the driver page offers, by name;
    ``may_locate``: whether ``user`` may see the stop's point (and so its address and the road path to it);
    ``on_undo``: takes back a «done» or «skip» of a few minutes ago (what it recorded included); None when
    the kind's action cannot be taken back from the phone (a handover moves stock and notifies the household).
    """

    done_fields: frozenset[str]
    skip_fields: frozenset[str]
    on_done: Callable[[RouteStop, StopAction], None]
    on_skip: Callable[[RouteStop, StopAction], None]
    sheet_fields: Callable[[RouteStop, User | None], dict[str, Any]] = _no_fields
    labels: Callable[[], dict[str, dict[str, str]]] = field(default=_no_labels)
    may_locate: Callable[[RouteStop, User | None], bool] = _everyone
    on_undo: Callable[[RouteStop, StopAction], None] | None = None


_STOP_KINDS: dict[str, StopKindHooks] = {}


def register_stop(name: str, hooks: StopKindHooks) -> None:
    _STOP_KINDS[name] = hooks


def is_stop_kind(name: str) -> bool:
    return name in _STOP_KINDS


# Stops of higher domains that a collection round serves with the bins (a firm's surplus to pick up):
# each provider gives the day's routing records, keyed ``ref:<kind>:<id>`` so a planned stop gets that kind.
CollectionStops = Callable[[date], list["StopRecord"]]
_COLLECTION_STOPS: list[CollectionStops] = []


def register_collection_stops(provider: CollectionStops) -> None:
    """Add a domain's stops to the collection rounds; registering again (each ``create_app``) changes nothing."""
    if provider not in _COLLECTION_STOPS:
        _COLLECTION_STOPS.append(provider)


def collection_stops(service_date: date) -> list[StopRecord]:
    """Every registered domain's stops to serve with the bins on ``service_date``."""
    return [record for provider in _COLLECTION_STOPS for record in provider(service_date)]


def stop_kind(name: str) -> StopKindHooks:
    if name not in _STOP_KINDS:
        raise ValidationError(_("Tipo di fermata sconosciuto: %(kind)s", kind=name))
    return _STOP_KINDS[name]


def stop_labels() -> dict[str, dict[str, str]]:
    """Every registered kind's labels, for the driver page (one page may show several kinds of stop)."""
    labels: dict[str, dict[str, str]] = {}
    for hooks in _STOP_KINDS.values():
        labels |= hooks.labels()
    return labels
