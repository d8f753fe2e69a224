"""factory_boy factories with realistic Milan defaults."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import factory
from argon2 import PasswordHasher

from app.auth.models import Organisation, User
from app.bins.models import Bin
from app.db import utcnow
from app.extensions import db
from app.fleet.models import Site, Vehicle
from app.geo import services as geo
from app.rounds.models import RoundPlan
from app.stock.models import StockItem, StockLocation
from app.welfare.models import Household, HouseholdIdentity, HouseholdMember

DEFAULT_PASSWORD = "una-password-lunga"
MILANO = "015146"


@cache
def _default_hash() -> str:
    # Hashed once: argon2 is slow on purpose, and every factory user shares the password.
    return PasswordHasher().hash(DEFAULT_PASSWORD)


def load_real_comuni(shared: Path) -> None:
    records = geo.records_from_geojson(shared / "gis/boundaries/openpolis_limits_P_15_municipalities.geojson")
    population = geo.population_from_csv(shared / "gis/socioeconomic/istat_population_2023_cm_milano_comuni.csv")
    geo.load_comuni(records, population)


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganisationFactory(_Base):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Cooperativa Abiti Solidali {n}")
    kind = "operator"


class SocialServicesFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Servizi sociali Municipio {n}")
    kind = "social_services"


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"utente{n}@coop-esempio.it")
    full_name = factory.Faker("name", locale="it_IT")
    password_hash = factory.LazyFunction(_default_hash)
    role = "operator"
    organisation = factory.LazyAttribute(
        lambda o: SocialServicesFactory() if o.role == "social_worker" else OrganisationFactory()
    )
    locale = "it"
    active = True


class SiteFactory(_Base):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Deposito Lambrate {n}")
    kind = "depot"
    street = "Via Rombon"
    civic_number = "41"
    cap = "20134"
    comune_code = MILANO
    lon = 9.2475
    lat = 45.4880


class VehicleFactory(_Base):
    class Meta:
        model = Vehicle

    plate = factory.Sequence(lambda n: f"FM{n % 1000:03d}ZX")
    organisation = factory.SubFactory(OrganisationFactory)
    home_site = factory.SubFactory(SiteFactory)
    capacity_kg = 3000
    capacity_m3 = Decimal("18")
    shift_start = time(6, 0)
    shift_end = time(14, 0)
    cost_per_km_eur = Decimal("0.420")
    cost_per_hour_eur = Decimal("32.00")


# --- Sorting and stock (issue #7) ---


class SortingPlantFactory(SiteFactory):
    name = factory.Sequence(lambda n: f"Impianto di selezione Cinisello {n}")
    kind = "sorting_plant"
    street = "Via Modena"
    civic_number = "10"
    cap = "20092"
    comune_code = "015077"  # Cinisello Balsamo
    lon = 9.2155
    lat = 45.5550


class WarehouseFactory(SiteFactory):
    name = factory.Sequence(lambda n: f"Magazzino solidale Ripamonti {n}")
    kind = "warehouse"
    street = "Via Giuseppe Ripamonti"
    civic_number = "40"
    cap = "20141"
    lon = 9.2000
    lat = 45.4700


class StockLocationFactory(_Base):
    class Meta:
        model = StockLocation

    site = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"A-{n:02d}")


class StockItemFactory(_Base):
    class Meta:
        model = StockItem

    category = "maglione"
    age_group = "donna"
    size_system = "letters"
    size = factory.Iterator(["S", "M", "L", "XL"])
    season = "inverno"
    grade = "B"
    unit_weight_kg = Decimal("0.500")


# --- Collection rounds (issue #6) ---


class RoundPlanFactory(_Base):
    class Meta:
        model = RoundPlan

    kind = "collection"
    service_date = factory.LazyFunction(date.today)
    status = "draft"
    version = 1
    params_json = "{}"


# --- Redistribution to households (issue #8) ---


def social_services_of(*comune_codes: str) -> Organisation:
    """A social-services office serving the given comuni."""
    from app.geo.models import Comune

    return SocialServicesFactory(comuni=[db.session.get(Comune, code) for code in comune_codes])


class HouseholdFactory(_Base):
    class Meta:
        model = Household

    code = factory.Sequence(lambda n: f"MI-T{n % 10000:04d}")
    comune_code = MILANO
    office = factory.LazyAttribute(lambda o: social_services_of(o.comune_code))
    consent_at = factory.LazyFunction(utcnow)
    retention_until = factory.LazyFunction(lambda: date.today() + timedelta(days=730))

    @factory.post_generation
    def identity(obj, create, extracted, **kwargs):
        fields = {
            "name": "Famiglia Esposito Gennaro",
            "phone": "+39 333 123 4567",
            "email": "esposito.famiglia@example.it",
            "street": "Via dei Cinquecento",
            "civic": "18",
            "cap": "20139",
            "lon": 9.2210,
            "lat": 45.4380,
        } | kwargs
        db.session.add(HouseholdIdentity(household_id=obj.id, **fields))
        db.session.flush()


class MemberFactory(_Base):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    label = factory.Sequence(lambda n: f"Figlio {n}")
    age_band = "6-10"
    gender = "bambino"
    clothing_size_system = "children"
    clothing_size = "8 anni"
    shoe_size = "32"


# --- Bins and pickups (issue #5) ---


class BinFactory(_Base):
    """An active yellow donation bin in Milan (Via Padova, NoLo)."""

    class Meta:
        model = Bin

    code = factory.Sequence(lambda n: f"VS-{n:04d}")
    operator = factory.SubFactory(OrganisationFactory)
    street_type = "Via"
    street_name = "Padova"
    civic_number = "36"
    cap = "20127"
    comune_code = MILANO
    lon = 9.2190
    lat = 45.4960
    capacity_l = 2500
    full_weight_kg = 350
    status = "active"
