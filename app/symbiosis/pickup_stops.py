"""Symbiosis pickups in the rounds' driver mode: the kg loaded complete the match; a skip leaves it to plan again."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.auth.models import User
from app.core.refs import parse_domain_reference
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.rounds import kinds
from app.rounds.collection_stops import SkipReason, claim, skip_reason_labels
from app.rounds.models import RouteStop, StopStatus
from app.sorting.ledger import to_kg
from app.symbiosis import fulfilment
from app.symbiosis.catalog import category_label
from app.symbiosis.models import Match

DONE_FIELDS = frozenset({"weight_kg", "fill_percent", "incidents", "notes", "collected_at"})  # the bins' form
SKIP_FIELDS = frozenset({"reason", "notes", "collected_at"})


def match_of(stop: RouteStop) -> Match:
    match_id = parse_domain_reference(stop.reference, fulfilment.REFERENCE)
    match = None if match_id is None else db.session.get(Match, match_id)
    if match is None:
        raise NotFoundError(_("Abbinamento non trovato."))
    return match


def _done(stop: RouteStop, action: kinds.StopAction) -> None:
    """Loaded: the driver weighs it; the match records the kg (and the offer's quantity) moved."""
    match = match_of(stop)
    if action.body.get("weight_kg") in (None, ""):
        raise ValidationError(_("Indica i kg caricati."), field="weight_kg")
    kg = to_kg(action.body.get("weight_kg"), "weight_kg")
    at = action.at() or action.now
    claim(stop, StopStatus.DONE, at, actual_kg=float(kg))
    match.route_stop = stop
    fulfilment.complete(match, action.user, at, kg=kg)


def _skipped(stop: RouteStop, action: kinds.StopAction) -> None:
    """Not picked up: the match stays accepted, for the firm to choose another day."""
    match_of(stop)
    reason = action.text("reason")
    if reason not in set(SkipReason):
        raise ValidationError(_("Motivo non valido."), field="reason")
    claim(stop, StopStatus.SKIPPED, action.at() or action.now, skip_reason=reason)


def _sheet_fields(stop: RouteStop, _user: User | None) -> dict[str, Any]:
    """A firm's premises: its address and what to load are for anyone on the round."""
    match = match_of(stop)
    offer = match.offer
    fields: dict[str, Any] = {
        "label": _("Ritiro simbiosi %(code)s", code=match.code),
        "access_notes": f"{category_label(offer.kind, offer.category)}: {offer.title}",
    }
    if offer.site is not None:
        fields["address"] = f"{offer.organisation.name}, {offer.site.address}"
    return fields


def _labels() -> dict[str, dict[str, str]]:
    return {"skip_reasons": skip_reason_labels()}


HOOKS = kinds.StopKindHooks(
    done_fields=DONE_FIELDS,
    skip_fields=SKIP_FIELDS,
    on_done=_done,
    on_skip=_skipped,
    sheet_fields=_sheet_fields,
    labels=_labels,
)
