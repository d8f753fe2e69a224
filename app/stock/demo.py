"""Demo sorting and stock: three weeks of intake, balanced sorting sessions, grade-B pieces in stock, recycling
fractions out on FIR legs to a demo recycler with a demo carrier. Idempotent."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import User
from app.collection.models import Pickup
from app.core.clock import utcnow
from app.extensions import db
from app.fleet.models import Site
from app.sorting import outbound, partners, services
from app.sorting.ledger import TENTH
from app.sorting.models import IntakeBatch, OutboundPartner, batch_pickup
from app.stock import items
from app.stock import services as stock
from app.stock.models import StockLocation

PLANT = "Impianto di selezione Cinisello (demo)"
WAREHOUSE = "Magazzino solidale Milano (demo)"
OPERATOR_EMAIL = "operatore@demo.fitmi.it"
TARE_KG = Decimal("3200")
# Share of the sorted kilos per fraction (the remainder after a 1 % moisture loss goes to mixed recycling).
SHARES = {
    "reuse_a": "0.10",
    "reuse_b": "0.35",
    "reuse_export": "0.14",
    "recycle_cotton": "0.10",
    "recycle_wool": "0.03",
    "recycle_synthetic": "0.07",
    "shoes_accessories": "0.06",
    "contaminants": "0.03",
    "disposal": "0.02",
}
# category, group, size system, sizes, season
GARMENTS = [
    ("cappotto", "donna", "it", ["42", "44", "46"], "inverno"),
    ("giacca", "uomo", "it", ["48", "50", "52"], "inverno"),
    ("maglione", "unisex", "letters", ["S", "M", "L", "XL"], "inverno"),
    ("felpa", "bambino", "children", ["6 anni", "8 anni", "10 anni"], "tutto"),
    ("t-shirt", "bambina", "children", ["4 anni", "6 anni"], "estate"),
    ("pantaloni", "uomo", "it", ["46", "48", "50"], "tutto"),
    ("tuta", "neonato", "children", ["0-3m", "3-6m", "6-9m"], "tutto"),
    ("scarpe", "donna", "shoes_eu", ["37", "38", "39"], "tutto"),
]
# Invented firms, marked "(demo)": their numbers have the shape of real ones and belong to nobody.
DEMO_PARTNERS = (
    partners.PartnerData(
        kind="recovery_plant",
        name="Tessile Riciclo Prato srl (demo)",
        address="Via del Lanificio 1, 59100 Prato (PO)",
        authorisation_number="DEMO-AUA-2024/0001",
        authorisation_authority="Regione Toscana (demo)",
        operations="R3 R13",
    ),
    partners.PartnerData(
        kind="carrier",
        name="Trasporti Lombardi snc (demo)",
        address="Via dei Trasporti 10, 20092 Cinisello Balsamo (MI)",
        albo_number="MI/000000",
    ),
)
LOCATIONS = [("A-01", "Capispalla"), ("A-02", "Maglieria e felpe"), ("B-01", "Bambini"), ("C-01", "Scarpe")]


def _site(name: str) -> Site | None:
    return db.session.scalar(select(Site).where(Site.name == name))


def _free_demo_pickups() -> list[Pickup]:
    taken = select(batch_pickup.c.pickup_id)
    query = select(Pickup).where(Pickup.source == "demo", Pickup.superseded.is_(False), Pickup.id.not_in(taken))
    return list(db.session.scalars(query.order_by(Pickup.collected_at)))


def _intake(plant: Site, user: User | None, day: datetime, pickups: list[Pickup], rng: random.Random) -> IntakeBatch:
    logged = sum((p.weight_kg or Decimal(0) for p in pickups), Decimal(0))
    net = logged * Decimal(str(rng.uniform(0.97, 1.03))) if logged else Decimal(rng.randint(900, 1900))
    data = services.IntakeData(
        site_id=plant.id,
        source="round" if pickups else rng.choice(["drop_off", "drive"]),
        source_ref=f"Giro {day:%d/%m}" if pickups else "Raccolta parrocchia San Gottardo",
        received_at=day,
        gross_kg=(TARE_KG + net).quantize(TENTH),
        tare_kg=TARE_KG,
        pickup_ids=tuple(p.id for p in pickups),
        is_demo=True,
    )
    return services.record_intake(data, user)


def _sort(batches: list[IntakeBatch], user: User | None) -> None:
    session = services.open_session(batches[0].site_id, [b.id for b in batches], user, is_demo=True)
    inputs = sum((b.net_kg for b in batches), Decimal(0))
    sorted_kg = (inputs * Decimal("0.99")).quantize(TENTH)
    shares = {kind: (sorted_kg * Decimal(share)).quantize(TENTH) for kind, share in SHARES.items()}
    shares["recycle_mixed"] = sorted_kg - sum(shares.values())
    for kind, kg in shares.items():
        services.add_fraction(session.id, kind, kg, user)
    services.close_session(session.id, user, "umidità e polvere")


def _locations(warehouse: Site) -> list[StockLocation]:
    found = []
    for code, description in LOCATIONS:
        query = select(StockLocation).where(StockLocation.site_id == warehouse.id, StockLocation.code == code)
        found.append(db.session.scalar(query) or items.save_location(warehouse.id, code, description, None))
    return found


def _stock_and_ship(
    batches: list[IntakeBatch],
    locations: list[StockLocation],
    shipping: tuple[OutboundPartner, OutboundPartner],
    user: User | None,
) -> None:
    """Grade-B pieces into stock (about half the fraction's kilos), recycling fractions out on one leg (FIR)."""
    rng = random.Random(batches[0].id)
    session = batches[0].session_input.session  # type: ignore[union-attr]
    for fraction in session.fractions:
        if fraction.kind == "reuse_b":
            for n, (category, group, system, sizes, season) in enumerate(GARMENTS):
                item = items.find_or_create_item(
                    items.ItemData(category, group, system, rng.choice(sizes), season, "B")
                )
                location = locations[min(n // 2, len(locations) - 1)]
                stock.receive_from_sorting(item, location, rng.randint(8, 30), fraction, user, is_demo=True)
    recycling = [f for f in session.fractions if f.kind.startswith("recycle_")]
    recycler, carrier = shipping
    data = outbound.LegData(
        site_id=session.site_id,
        shipped_at=session.closed_at or utcnow(),
        destination_id=recycler.id,
        carrier_id=carrier.id,
        document_kind="fir",
        document_number=f"DEMO {session.id:06d}/26",
        rd_operation="R3",
        eer_code="191208",
        lines=tuple(outbound.LineData(f.id, f.weight_kg) for f in recycling),
        is_demo=True,
    )
    outbound.record_leg(data, user)


def _demo_partners(plant: Site) -> tuple[OutboundPartner, OutboundPartner]:
    """The demo recycler (authorised for R3 and R13) and carrier (on the Albo), found or registered."""
    found = []
    for data in DEMO_PARTNERS:
        query = select(OutboundPartner).where(
            OutboundPartner.organisation_id == plant.organisation_id,
            OutboundPartner.kind == data.kind,
            OutboundPartner.name == data.name,
        )
        partner = db.session.scalar(query)
        if partner is None:
            partner = partners.save_partner(replace(data, organisation_id=plant.organisation_id), None)
            partner.is_demo = True
        found.append(partner)
    return found[0], found[1]


def ensure_demo_sorting_and_stock(weeks: int = 3) -> None:
    """A few weeks of intake, sorting and stock at the demo plant and warehouse (once)."""
    plant, warehouse = _site(PLANT), _site(WAREHOUSE)
    if plant is None or warehouse is None or db.session.scalar(select(IntakeBatch.id).where(IntakeBatch.is_demo)):
        return
    user = db.session.scalar(select(User).where(User.email == OPERATOR_EMAIL))
    rng = random.Random(7)
    pickups = _free_demo_pickups()
    days = list(range(weeks * 7, 0, -2))
    chunk = -(-len(pickups) // len(days)) if pickups else 0
    today = datetime.combine(utcnow().date(), time(7, 30), tzinfo=UTC)
    batches = [
        _intake(plant, user, today - timedelta(days=d), pickups[i * chunk : (i + 1) * chunk], rng)
        for i, d in enumerate(days)
    ]
    locations = _locations(warehouse)
    demo_partners = _demo_partners(plant)
    for pair in zip(batches[:-1:2], batches[1:-1:2], strict=False):  # the last arrival is still waiting
        _sort(list(pair), user)
        _stock_and_ship(list(pair), locations, demo_partners, user)
    db.session.flush()
