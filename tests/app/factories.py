"""factory_boy factories with realistic Milan defaults."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import cache

import factory

from app.auth.models import Organisation, User
from app.bins.models import Bin
from app.core.clock import ROME, local_today, utcnow
from app.extensions import db
from app.fleet.models import Site, Vehicle
from app.rounds.models import RoundPlan, RoundRoute, RouteStop
from app.stock.models import StockItem, StockLocation
from app.welfare.models import Household, HouseholdIdentity, HouseholdMember

DEFAULT_PASSWORD = "una-password-lunga"
MILANO = "015146"


@cache
def _default_hash() -> str:
    # Hashed once, by the app's hasher (the tests' light one, see conftest): every factory user shares it.
    from app.auth.services import hash_password

    return hash_password(DEFAULT_PASSWORD)


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
    # every day, holidays too: a test's dates fall on any day; tests of service days and holidays set their own
    service_days = 0b1111111
    works_holidays = True


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
    service_date = factory.LazyFunction(local_today)
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
    retention_until = factory.LazyFunction(lambda: local_today() + timedelta(days=730))

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


class RoundRouteFactory(_Base):
    """A published collection route leaving at 06:00 (Rome) from the vehicle's depot."""

    class Meta:
        model = RoundRoute

    plan = factory.SubFactory(RoundPlanFactory, status="published")
    position = 0
    vehicle = factory.SubFactory(VehicleFactory)
    driver = None
    start_site = factory.LazyAttribute(lambda o: o.vehicle.home_site)
    end_site = factory.SubFactory(SortingPlantFactory)
    start_at = factory.LazyAttribute(
        lambda o: datetime.combine(o.plan.service_date, time(6, 0), tzinfo=ROME).astimezone(UTC)
    )
    end_at = factory.LazyAttribute(lambda o: o.start_at + timedelta(hours=5))
    distance_m = 38_500
    duration_s = 5 * 3600
    load_kg = 0
    geometry_json = ""
    streets_json = "[]"


class RouteStopFactory(_Base):
    """A bin stop of a route, 20 minutes after the previous one."""

    class Meta:
        model = RouteStop

    route = factory.SubFactory(RoundRouteFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    kind = "bin"
    bin = factory.SubFactory(BinFactory)
    lon = factory.LazyAttribute(lambda o: o.bin.lon if o.bin else 9.2155)
    lat = factory.LazyAttribute(lambda o: o.bin.lat if o.bin else 45.5550)
    arrival_at = factory.LazyAttribute(lambda o: o.route.start_at + timedelta(minutes=20 * o.sequence))
    departure_at = factory.LazyAttribute(lambda o: o.arrival_at + timedelta(minutes=3))
    planned_kg = 150
    load_after_kg = factory.LazyAttribute(lambda o: 150 * o.sequence)


# Bins along a real walk through central Milan (Duomo → Brera → Porta Venezia), for route sheets.
MILAN_STOPS = [
    ("Via", "Pantano", "2", "20122", 9.19178, 45.45962),
    ("Corso", "di Porta Romana", "61", "20122", 9.19771, 45.45611),
    ("Via", "Larga", "12", "20122", 9.19386, 45.46184),
    ("Via", "Brera", "28", "20121", 9.18801, 45.47226),
    ("Corso", "Buenos Aires", "33", "20124", 9.21128, 45.47907),
    ("Viale", "Piave", "40", "20129", 9.20651, 45.47052),
]


def driver_round(driver: User, stops: int = 3, status: str = "published", **plan_fields: object) -> RoundRoute:
    """A route of ``stops`` bin stops driven by ``driver``; bins and vehicle belong to the driver's organisation."""
    plan = RoundPlanFactory(status=status, **plan_fields)
    vehicle = VehicleFactory(organisation=driver.organisation)
    route = RoundRouteFactory(plan=plan, vehicle=vehicle, driver=driver)
    for i in range(stops):
        street_type, street, civic, cap, lon, lat = MILAN_STOPS[i % len(MILAN_STOPS)]
        bin_ = BinFactory(
            operator=driver.organisation,
            street_type=street_type,
            street_name=street,
            civic_number=civic,
            cap=cap,
            lon=lon + 0.0004 * (i // len(MILAN_STOPS)),
            lat=lat,
            access_notes="Cortile interno, citofono portineria" if i == 0 else "",
        )
        RouteStopFactory(route=route, sequence=i + 1, bin=bin_)
    route.load_kg = 150 * stops
    db.session.flush()
    return route
