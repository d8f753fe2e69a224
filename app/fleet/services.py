"""Rules for sites and vehicles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import Organisation
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.fleet.models import Site, SiteKind, Vehicle
from app.geo.services import comune_at

# Current Italian plates (since 1994): two letters, three digits, two letters; I, O, Q, U never used.
_PLATE = re.compile(r"^[A-HJ-NPR-TV-Z]{2}\d{3}[A-HJ-NPR-TV-Z]{2}$")
_CAP = re.compile(r"^\d{5}$")
MAX_VEHICLE_KG = 44_000
MAX_VEHICLE_PIECES = 20_000
MAX_FIXED_COST_EUR = Decimal(100_000)  # below Numeric(8, 2)'s limit; a day of truck and crew is hundreds
MAX_COST_PER_KM_EUR = Decimal(1_000)  # below Numeric(8, 3)'s limit; a truck costs about 1 € a km
MAX_COST_PER_HOUR_EUR = Decimal(10_000)  # below Numeric(8, 2)'s limit; a crew costs tens of € an hour


@dataclass(frozen=True)
class SiteData:
    name: str
    kind: str
    street: str
    civic_number: str
    cap: str
    lon: float
    lat: float
    organisation_id: int | None = None
    opening_hours: str = ""
    active: bool = True


@dataclass(frozen=True)
class VehicleData:
    plate: str
    organisation_id: int
    home_site_id: int
    capacity_kg: int
    capacity_m3: Decimal
    shift_start: time
    shift_end: time
    cost_per_km_eur: Decimal
    cost_per_hour_eur: Decimal
    ztl_allowed: bool = False
    label: str = ""
    active: bool = True
    capacity_pieces: int | None = None  # garments per delivery trip; None = no limit
    fixed_cost_eur: Decimal = Decimal(0)  # truck and crew per day of use
    service_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # the weekdays it goes out, Monday = 0
    works_holidays: bool = False  # also on a public holiday that falls on one of them


def normalise_plate(plate: str) -> str:
    return re.sub(r"[\s-]", "", plate).upper()


def _unique(model: type, column: object, value: object, current: object, field: str, message: str) -> None:
    clash = db.session.scalar(select(model).where(column == value))
    if clash is not None and clash is not current:
        raise ConflictError(message, field=field)


def save_site(data: SiteData, site: Site | None = None) -> Site:
    """Create or update a site; its comune comes from its coordinates (inside the metro area)."""
    if data.kind not in {k.value for k in SiteKind}:
        raise ValidationError(_("Tipo di sede non valido."), field="kind")
    if not _CAP.match(data.cap.strip()):
        raise ValidationError(_("Il CAP deve avere 5 cifre."), field="cap")
    if data.organisation_id is not None and db.session.get(Organisation, data.organisation_id) is None:
        raise NotFoundError(_("Organizzazione inesistente."), field="organisation_id")
    comune = comune_at(data.lon, data.lat)
    _unique(Site, Site.name, data.name.strip(), site, "name", _("Esiste già una sede con questo nome."))
    site = site or Site()
    for key, value in data.__dict__.items():
        setattr(site, key, value.strip() if isinstance(value, str) else value)
    site.comune = comune
    db.session.add(site)
    db.session.flush()
    return site


def save_vehicle(data: VehicleData, vehicle: Vehicle | None = None) -> Vehicle:
    """Create or update a vehicle after checking plate, capacities, shift and costs."""
    plate = normalise_plate(data.plate)
    if not _PLATE.match(plate):
        raise ValidationError(_("Targa non valida (formato AA123BB)."), field="plate")
    if not 0 < data.capacity_kg <= MAX_VEHICLE_KG:
        raise ValidationError(_("Portata in kg non plausibile (1–44.000)."), field="capacity_kg")
    if not Decimal(0) < data.capacity_m3 <= Decimal(150):
        raise ValidationError(_("Volume in m³ non plausibile."), field="capacity_m3")
    if data.capacity_pieces is not None and not 0 < data.capacity_pieces <= MAX_VEHICLE_PIECES:
        raise ValidationError(
            _("Capienza in capi non plausibile (1–20.000, vuoto = nessun limite)."), field="capacity_pieces"
        )
    if data.shift_end <= data.shift_start:
        raise ValidationError(_("Il turno deve finire dopo l'inizio."), field="shift_end")
    if data.cost_per_km_eur < 0 or data.cost_per_hour_eur < 0:
        raise ValidationError(_("I costi non possono essere negativi."), field="cost_per_km_eur")
    if data.cost_per_km_eur > MAX_COST_PER_KM_EUR:
        raise ValidationError(_("Costo per km non plausibile (0–1.000 €)."), field="cost_per_km_eur")
    if data.cost_per_hour_eur > MAX_COST_PER_HOUR_EUR:
        raise ValidationError(_("Costo orario non plausibile (0–10.000 €)."), field="cost_per_hour_eur")
    if not Decimal(0) <= data.fixed_cost_eur <= MAX_FIXED_COST_EUR:
        raise ValidationError(_("Costo fisso giornaliero non plausibile (0–100.000 €)."), field="fixed_cost_eur")
    weekdays = set(data.service_weekdays)
    if not weekdays or not weekdays <= set(range(7)):
        raise ValidationError(
            _("Scegli almeno un giorno di servizio (da lunedì a domenica)."), field="service_weekdays"
        )
    if db.session.get(Organisation, data.organisation_id) is None:
        raise NotFoundError(_("Organizzazione inesistente."), field="organisation_id")
    home = db.session.get(Site, data.home_site_id)
    if home is None or home.kind not in (SiteKind.DEPOT, SiteKind.SORTING_PLANT, SiteKind.WAREHOUSE):
        raise ValidationError(
            _("Il deposito di partenza deve essere un deposito, impianto o magazzino."), field="home_site_id"
        )
    _unique(Vehicle, Vehicle.plate, plate, vehicle, "plate", _("Esiste già un veicolo con questa targa."))
    vehicle = vehicle or Vehicle()
    for key, value in data.__dict__.items():
        setattr(vehicle, key, value)
    vehicle.plate = plate
    db.session.add(vehicle)
    db.session.flush()
    return vehicle
