"""Stock locations and garment items: creation and validation (sizes in their size system)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.fleet.models import Site, SiteKind
from app.sorting.services import check_site_access
from app.stock.catalog import AGE_GROUPS, CATEGORIES, GRADES, SEASONS
from app.stock.models import StockItem, StockLocation
from app.stock.sizes import normalise_size, sizes

STOCK_SITE_KINDS = (SiteKind.WAREHOUSE, SiteKind.DISTRIBUTION_POINT)


def save_location(site_id: int, code: str, description: str, user: User | None) -> StockLocation:
    """A new shelf or zone in a warehouse or distribution point."""
    site = db.session.get(Site, site_id)
    if site is None or site.kind not in STOCK_SITE_KINDS:
        raise ValidationError(
            _("Le ubicazioni stanno in un magazzino o in un punto di distribuzione."), field="site_id"
        )
    check_site_access(user, site)
    code = " ".join(code.split()).upper()
    if not code:
        raise ValidationError(_("Campo obbligatorio."), field="code")
    clash = db.session.scalar(select(StockLocation).where(StockLocation.site_id == site.id, StockLocation.code == code))
    if clash is not None:
        raise ConflictError(_("Esiste già un'ubicazione con questo codice in questa sede."), field="code")
    location = StockLocation(site=site, code=code, description=description.strip())
    db.session.add(location)
    db.session.flush()
    return location


def location_for(location_id: int, user: User | None) -> StockLocation:
    """A location the user may move stock in."""
    location = db.session.get(StockLocation, location_id)
    if location is None:
        raise NotFoundError(_("Ubicazione inesistente."), field="location_id")
    check_site_access(user, location.site)
    return location


@dataclass(frozen=True)
class ItemData:
    category: str
    age_group: str
    size_system: str
    size: str
    season: str
    grade: str
    unit_weight_kg: Decimal | None = None


def find_or_create_item(data: ItemData) -> StockItem:
    """The item with these attributes, created the first time; the size must exist in its system."""
    if data.category not in CATEGORIES:
        raise ValidationError(_("Categoria non valida."), field="category")
    if data.age_group not in AGE_GROUPS:
        raise ValidationError(_("Genere/età non valido."), field="age_group")
    if data.season not in SEASONS:
        raise ValidationError(_("Stagione non valida."), field="season")
    if data.grade not in GRADES:
        raise ValidationError(_("Grado di qualità non valido."), field="grade")
    sizes(data.size_system)
    size = normalise_size(data.size_system, data.size)
    key = {
        "category": data.category,
        "age_group": data.age_group,
        "size_system": data.size_system,
        "size": size,
        "season": data.season,
        "grade": data.grade,
    }
    item = db.session.scalar(select(StockItem).filter_by(**key))
    if item is None:
        weight = data.unit_weight_kg or CATEGORIES[data.category][2]
        if not weight.is_finite() or weight <= 0:
            raise ValidationError(_("Il peso stimato deve essere maggiore di zero."), field="unit_weight_kg")
        item = StockItem(**key, unit_weight_kg=weight)
        db.session.add(item)
        db.session.flush()
    return item
