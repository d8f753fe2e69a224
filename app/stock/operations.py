"""What the stock pages ask for, checked against the user's sites, then handed to the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.auth.models import User
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.sorting.models import Fraction
from app.sorting.services import check_site_access
from app.stock import services
from app.stock.items import ItemData, find_or_create_item, location_for
from app.stock.models import StockItem, StockMovement


def receive(fraction_id: int, item: ItemData, quantity: int, location_id: int, user: User | None) -> StockMovement:
    """Pieces of a reuse fraction enter stock at a location."""
    fraction = db.session.get(Fraction, fraction_id)
    if fraction is None:
        raise NotFoundError(_("Lotto inesistente."))
    check_site_access(user, fraction.session.site)
    location = location_for(location_id, user)
    return services.receive_from_sorting(find_or_create_item(item), location, quantity, fraction, user)


@dataclass(frozen=True)
class MoveData:
    kind: str  # out, transfer, adjust
    item_id: int
    location_id: int
    quantity: int
    target_location_id: int | None = None
    destination_kind: str = ""
    counterparty: str = ""
    reason: str = ""


def move(data: MoveData, user: User | None) -> object:
    """One movement typed by a clerk: an outbound, a transfer or an adjustment."""
    item = db.session.get(StockItem, data.item_id)
    if item is None:
        raise NotFoundError(_("Articolo inesistente."))
    location = location_for(data.location_id, user)
    if data.kind == "out":
        return services.take_out(item, location, data.quantity, data.destination_kind, data.counterparty, user)
    if data.kind == "transfer":
        target = location_for(data.target_location_id or 0, user)
        return services.transfer(item, location, target, data.quantity, user)
    if data.kind == "adjust":
        return services.adjust(item, location, data.quantity, data.reason, user)
    raise ValidationError(_("Movimento non valido."), field="kind")


def count_location(location_id: int, counted: dict[int, int], reason: str, user: User | None) -> list[StockMovement]:
    """A physical count of a location by the user."""
    return services.count(location_for(location_id, user), counted, reason, user)
