"""A demo month through the whole chain: rounds → intakes → sorting → outbound legs → stock → households.

From the first day of last month to yesterday, every demo pickup travels on a collection round of
its operator's trucks (a truck that fills up unloads at the plant mid-round and goes on), each
unload is weighed in as one intake, each day's intakes are sorted the next day with yields near
the trade's (about 55 % reuse, 35 % recycling, under 10 % waste, about 1 % moisture and dust),
fractions leave every Friday on legs with their documents, grade-B garments go into the solidarity
warehouse and a few households collect them. Yesterday's rounds are still waiting to be weighed in
and the day before's intakes waiting to be sorted, as on a real plant. One intake is deliberately
off: rain-soaked bags weighed 16 % more than the bins' logged kilos, and the plant says so.
Seeded and idempotent.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import User
from app.bins.models import Bin
from app.collection.models import Pickup
from app.core.clock import local_datetime, local_midnight, local_today, to_local
from app.errors import DomainError
from app.extensions import db
from app.fleet.models import Site, Vehicle
from app.rounds.models import PlanKind, PlanStatus, RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus
from app.sorting import outbound, partners, services
from app.sorting.ledger import TENTH, fraction_balance_kg
from app.sorting.models import Fraction, IntakeBatch, IntakeSource, OutboundPartner, SortingSession
from app.stock import items
from app.stock import services as stock
from app.stock.models import StockLocation
from app.welfare import allocation, households, requests, workflow
from app.welfare.models import Fulfilment

PLANT = "Impianto di selezione Cinisello (demo)"
WAREHOUSE = "Magazzino solidale Milano (demo)"
OPERATOR_EMAIL = "operatore@demo.fitmi.it"
COORDINATOR_EMAIL = "coordinatore@demo.fitmi.it"
TARE_KG = Decimal("7400")  # an empty 3.5 t box truck with its crane
TRUCK_FILL = Decimal("0.9")  # a truck goes to unload at 90 % of its capacity
DEPART, BIN_EVERY = time(6, 30), timedelta(minutes=7)
TO_PLANT, UNLOAD = timedelta(minutes=30), timedelta(minutes=20)
# Shares of the sorted kilos (the rest, after a 0,8 % moisture and dust loss, is mixed recycling).
YIELDS = {
    "reuse_a": "0.150",
    "reuse_b": "0.012",
    "reuse_export": "0.360",
    "shoes_accessories": "0.030",
    "recycle_cotton": "0.120",
    "recycle_wool": "0.040",
    "recycle_synthetic": "0.080",
    "contaminants": "0.035",
    "disposal": "0.030",
}
LOSS = Decimal("0.008")
RAIN = (Decimal("1.16"), "Pioggia: sacchi bagnati, il netto in pesa supera del 16 % i kg stimati ai contenitori")
# category, group, size system, sizes, season, share of the grade-B kilos
GARMENTS = [
    ("cappotto", "donna", "it", ["42", "44", "46"], "inverno", "0.22"),
    ("giacca", "uomo", "it", ["48", "50", "52"], "inverno", "0.18"),
    ("maglione", "unisex", "letters", ["S", "M", "L", "XL"], "inverno", "0.16"),
    ("felpa", "bambino", "children", ["6 anni", "8 anni", "10 anni"], "tutto", "0.10"),
    ("t-shirt", "bambina", "children", ["4 anni", "6 anni"], "estate", "0.04"),
    ("pantaloni", "uomo", "it", ["46", "48", "50"], "tutto", "0.14"),
    ("tuta", "neonato", "children", ["0-3m", "3-6m", "6-9m"], "tutto", "0.04"),
    ("scarpe", "donna", "shoes_eu", ["37", "38", "39"], "tutto", "0.10"),
]
LOCATIONS = [("A-01", "Capispalla"), ("A-02", "Maglieria e felpe"), ("B-01", "Bambini"), ("C-01", "Scarpe")]
# Invented firms, marked "(demo)": their numbers have the shape of real ones and belong to nobody.
PARTNERS = {
    "recycler": partners.PartnerData(
        kind="recovery_plant",
        name="Tessile Riciclo Prato srl (demo)",
        address="Via del Lanificio 1, 59100 Prato (PO)",
        authorisation_number="DEMO-AUA-2024/0001",
        authorisation_authority="Regione Toscana (demo)",
        operations="R3 R13",
    ),
    "disposal": partners.PartnerData(
        kind="recovery_plant",
        name="Termovalorizzatore Lombardia (demo)",
        address="Via dell'Energia 1, 20151 Milano (MI)",
        authorisation_number="DEMO-AIA-2019/0002",
        authorisation_authority="Regione Lombardia (demo)",
        operations="R1",
    ),
    "exporter": partners.PartnerData(kind="exporter", name="Export Riuso Tessile srl (demo)"),
    "shop": partners.PartnerData(kind="second_hand_shop", name="Emporio dell'usato Isola (demo)"),
    "carrier": partners.PartnerData(
        kind="carrier",
        name="Trasporti Lombardi snc (demo)",
        address="Via dei Trasporti 10, 20092 Cinisello Balsamo (MI)",
        albo_number="MI/000000",
    ),
}
# kinds of fraction -> (partner, EER code, R/D operation, document kind)
LEGS = [
    (("recycle_cotton", "recycle_wool", "recycle_synthetic", "recycle_mixed"), "recycler", "191208", "R3", "fir"),
    (("contaminants", "disposal"), "disposal", "191212", "R1", "fir"),
    (("reuse_export", "shoes_accessories"), "exporter", "", "", "ddt"),
    (("reuse_a",), "shop", "", "", "ddt"),
]


@dataclass
class Load:
    """What one truck carries between two unloads."""

    pickups: list[Pickup] = field(default_factory=list)
    kg: Decimal = Decimal(0)


def _site(name: str) -> Site | None:
    return db.session.scalar(select(Site).where(Site.name == name))


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _loads(pickups: list[Pickup], bins: dict[int, Bin], vehicles: list[Vehicle]) -> dict[int, list[Load]]:
    """Each of an operator's day of pickups on its trucks, in order; a full truck unloads and goes on."""
    trips: dict[int, list[Load]] = defaultdict(lambda: [Load()])
    per_truck = -(-len(pickups) // len(vehicles))
    for n, pickup in enumerate(pickups):
        vehicle = vehicles[min(n // per_truck, len(vehicles) - 1)]
        kg = pickup.kg
        current = trips[vehicle.id][-1]
        if current.pickups and current.kg + kg > vehicle.capacity_kg * TRUCK_FILL:
            current = Load()
            trips[vehicle.id].append(current)
        current.pickups.append(pickup)
        current.kg += kg
    return trips


def _route(plan: RoundPlan, vehicle: Vehicle, loads: list[Load], plant: Site, bins: dict[int, Bin]) -> RoundRoute:
    """A closed round: its bin stops done with their pickups, an unload at the plant after each load.

    The round sets the times: leaving the depot at 06:30, a bin every 7 minutes, half an hour to the
    plant and 20 minutes to unload; each pickup is re-timed to its stop on the same day.
    """
    start = local_datetime(plan.service_date, DEPART)
    route = RoundRoute(
        plan=plan,
        position=len(plan.routes),
        vehicle=vehicle,
        start_site=vehicle.home_site,
        end_site=vehicle.home_site,
        start_at=start,
        end_at=start,
        load_kg=int(sum(load.kg for load in loads)),
    )
    db.session.add(route)
    sequence, at = 0, start + timedelta(minutes=15)
    for load in loads:
        on_board = Decimal(0)
        for pickup in load.pickups:
            bin_ = bins[pickup.bin_id]
            on_board += pickup.kg
            at += BIN_EVERY
            pickup.collected_at = at
            pickup.vehicle_id = vehicle.id
            sequence += 1
            route.stops.append(
                RouteStop(
                    sequence=sequence,
                    kind=StopKind.BIN,
                    bin_id=bin_.id,
                    lon=bin_.lon,
                    lat=bin_.lat,
                    arrival_at=at,
                    departure_at=at + timedelta(minutes=4),
                    planned_kg=int(pickup.kg),
                    load_after_kg=int(on_board),
                    status=StopStatus.DONE,
                    completed_at=at + timedelta(minutes=4),
                    pickup_id=pickup.id,
                    actual_kg=float(pickup.weight_kg) if pickup.weight_kg is not None else None,
                    actual_fill_percent=pickup.fill_percent,
                )
            )
        at += TO_PLANT
        sequence += 1
        route.stops.append(
            RouteStop(
                sequence=sequence,
                kind=StopKind.RELOAD,
                site_id=plant.id,
                lon=plant.lon,
                lat=plant.lat,
                arrival_at=at,
                departure_at=at + UNLOAD,
                service_s=int(UNLOAD.total_seconds()),
                status=StopStatus.DONE,
                completed_at=at + UNLOAD,
            )
        )
        at += UNLOAD
    route.end_at = at + TO_PLANT
    route.duration_s = int((route.end_at - route.start_at).total_seconds())
    route.distance_m = 6_000 + 1_400 * sequence
    route.closed_at = route.end_at
    return route


def _plan_rounds(first: date, last: date, plant: Site) -> list[RoundRoute]:
    """One closed collection plan per day, one route per truck that worked, from the demo pickups."""
    low, high = local_midnight(first), local_midnight(last + timedelta(days=1))
    query = (
        select(Pickup, Bin)
        .join(Bin, Bin.id == Pickup.bin_id)
        .where(
            Pickup.source == "demo",
            Pickup.superseded.is_(False),
            Pickup.collected_at >= low,
            Pickup.collected_at < high,
            Bin.is_demo.is_(True),
        )
        .order_by(Pickup.collected_at)
    )
    by_day: dict[date, dict[int, list[Pickup]]] = defaultdict(lambda: defaultdict(list))
    bins: dict[int, Bin] = {}
    for pickup, bin_ in db.session.execute(query):
        bins[bin_.id] = bin_
        by_day[to_local(pickup.collected_at).date()][bin_.operator_id].append(pickup)
    fleet = defaultdict(list)
    for vehicle in db.session.scalars(select(Vehicle).where(Vehicle.capacity_pieces.is_(None)).order_by(Vehicle.id)):
        fleet[vehicle.organisation_id].append(vehicle)
    routes = []
    for day in sorted(by_day):
        params = {"end_empty": True, "site_ids": [plant.id], "demo": "chain month"}
        plan = RoundPlan(
            kind=PlanKind.COLLECTION,
            service_date=day,
            status=PlanStatus.CLOSED if day < last else PlanStatus.PUBLISHED,
            params_json=json.dumps(params),
            published_at=local_datetime(day - timedelta(days=1), time(17, 0)),
        )
        db.session.add(plan)
        for operator_id, pickups in sorted(by_day[day].items()):
            vehicles = fleet.get(operator_id)
            if not vehicles:
                continue
            for vehicle_id, loads in _loads(pickups, bins, vehicles).items():
                vehicle = next(v for v in vehicles if v.id == vehicle_id)
                routes.append(_route(plan, vehicle, loads, plant, bins))
        plan.distance_m = sum(r.distance_m for r in plan.routes)
        plan.duration_s = sum(r.duration_s for r in plan.routes)
    db.session.flush()
    return routes


def _intakes(routes: list[RoundRoute], plant: Site, user: User | None, last: date) -> list[IntakeBatch]:
    """Each unload of each round weighed in, except yesterday's rounds (still waiting at the plant)."""
    rng = random.Random(11)
    batches = []
    rain_day = last - timedelta(days=9)
    for route in routes:
        if route.plan.service_date >= last:
            continue
        carried: list[Pickup] = []
        for stop in route.stops:
            if stop.kind == StopKind.BIN:
                carried.append(db.session.get(Pickup, stop.pickup_id))  # type: ignore[arg-type]
                continue
            estimated = sum((p.kg for p in carried), Decimal(0))
            factor, reason = Decimal(str(round(rng.uniform(0.975, 1.025), 4))), ""
            if route.plan.service_date == rain_day and not any(b.difference_reason for b in batches[-3:]):
                factor, reason = RAIN
                rain_day = date.min
            net = (estimated * factor).quantize(TENTH)
            data = services.IntakeData(
                site_id=plant.id,
                source=IntakeSource.ROUND,
                received_at=stop.completed_at or stop.departure_at,
                gross_kg=TARE_KG + net,
                tare_kg=TARE_KG,
                route_id=route.id,
                unload_stop_id=stop.id,
                difference_reason=reason,
                is_demo=True,
            )
            batches.append(services.record_intake(data, user))
            carried = []
    return batches


# Intakes of other sources: days after the first of the month, source, who brought it, net kg
OTHER_INTAKES = [
    (6, IntakeSource.DRIVE, "Raccolta straordinaria parrocchia San Gottardo", "640"),
    (19, IntakeSource.DROP_OFF, "Conferimenti diretti di cittadini all'impianto", "85"),
]


def _other_intakes(plant: Site, user: User | None, first: date, last: date) -> list[IntakeBatch]:
    batches = []
    for days, source, who, net in OTHER_INTAKES:
        day = first + timedelta(days=days)
        if day >= last:
            continue
        data = services.IntakeData(
            site_id=plant.id,
            source=source,
            source_ref=who,
            received_at=local_datetime(day, time(11, 30)),
            gross_kg=TARE_KG + Decimal(net),
            tare_kg=TARE_KG,
            is_demo=True,
        )
        batches.append(services.record_intake(data, user))
    return batches


def _sort(batches: list[IntakeBatch], user: User | None) -> SortingSession:
    session = services.open_session(batches[0].site_id, [b.id for b in batches], user, is_demo=True)
    inputs = sum((b.net_kg for b in batches), Decimal(0))
    sorted_kg = (inputs * (1 - LOSS)).quantize(TENTH)
    shares = {kind: (sorted_kg * Decimal(share)).quantize(TENTH) for kind, share in YIELDS.items()}
    shares["recycle_mixed"] = sorted_kg - sum(shares.values())
    for kind, kg in shares.items():
        services.add_fraction(session.id, kind, kg, user)
    closed = services.close_session(session.id, user, "umidità e polvere")
    closed.opened_at = closed.closed_at = local_datetime(
        to_local(batches[-1].received_at).date() + timedelta(days=1), time(15, 0)
    )
    return closed


def _locations(warehouse: Site) -> list[StockLocation]:
    found = []
    for code, description in LOCATIONS:
        query = select(StockLocation).where(StockLocation.site_id == warehouse.id, StockLocation.code == code)
        found.append(db.session.scalar(query) or items.save_location(warehouse.id, code, description, None))
    return found


def _to_stock(session: SortingSession, locations: list[StockLocation], user: User | None) -> None:
    """The grade-B kilos of a session become garments on the warehouse shelves, by item."""
    rng = random.Random(session.id)
    fraction = next(f for f in session.fractions if f.kind == "reuse_b")
    for n, (category, group, system, sizes, season, share) in enumerate(GARMENTS):
        item = items.find_or_create_item(items.ItemData(category, group, system, rng.choice(sizes), season, "B"))
        pieces = int(fraction.weight_kg * Decimal(share) / item.unit_weight_kg)
        if pieces > 0:
            location = locations[min(n // 2, len(locations) - 1)]
            stock.receive_from_sorting(item, location, pieces, fraction, user, is_demo=True)


def _partners(plant: Site) -> dict[str, OutboundPartner]:
    found = {}
    for key, data in PARTNERS.items():
        same = select(OutboundPartner).where(OutboundPartner.name == data.name, OutboundPartner.kind == data.kind)
        partner = db.session.scalar(same)
        if partner is None:
            partner = partners.save_partner(replace(data, organisation_id=plant.organisation_id), None)
            partner.is_demo = True
        found[key] = partner
    return found


def _ship(plant: Site, at: datetime, registry: dict[str, OutboundPartner], user: User | None) -> None:
    """One leg per destination with every closed fraction of its kinds that still has kilos."""
    closed = (
        select(Fraction)
        .join(SortingSession)
        .where(SortingSession.status == "closed", SortingSession.site_id == plant.id)
    )
    fractions = list(db.session.scalars(closed.order_by(Fraction.id)))
    for kinds, key, eer, operation, document in LEGS:
        lines = tuple(
            outbound.LineData(f.id, left)
            for f in fractions
            if f.kind in kinds and (left := fraction_balance_kg(f.id)) > 0
        )
        if not lines:
            continue
        data = outbound.LegData(
            site_id=plant.id,
            shipped_at=at,
            destination_id=registry[key].id,
            document_kind=document,
            document_number=f"{document.upper()} DEMO {at:%Y%m%d}-{key[:3].upper()}",
            lines=lines,
            carrier_id=registry["carrier"].id,
            rd_operation=operation,
            eer_code=eer,
            is_demo=True,
        )
        outbound.record_leg(data, user)


# Families who collected garments at the demo distribution point: worker, fake name, address, members
# (label, age band, gender, size system, size) and what they asked for (member label, category, pieces).
HOUSEHOLDS = [
    (
        "assistente.sociale@demo.fitmi.it",
        "Famiglia Demo Esposito (finta)",
        ("Via Padova", "210", "20132", 9.2380, 45.5040),
        [("Padre", "18-64", "uomo", "letters", "L"), ("Figlio 1", "6-10", "bambino", "children", "8 anni")],
        [("Padre", "maglione", 2), ("Figlio 1", "felpa", 1)],
    ),
    (
        "assistente.sociale@demo.fitmi.it",
        "Famiglia Demo Romano (finta)",
        ("Via Giambellino", "60", "20146", 9.1530, 45.4510),
        [("Madre", "18-64", "donna", "letters", "M"), ("Figlio 1", "6-10", "bambino", "children", "10 anni")],
        [("Madre", "maglione", 1), ("Figlio 1", "felpa", 2)],
    ),
    (
        "assistente.nord@demo.fitmi.it",
        "Famiglia Demo Colombo (finta)",
        ("Via Fratelli Bandiera", "12", "20099", 9.2290, 45.5400),
        [("Nonno", "65+", "uomo", "letters", "XL"), ("Figlio 1", "6-10", "bambino", "children", "6 anni")],
        [("Nonno", "maglione", 2), ("Figlio 1", "felpa", 1)],
    ),
]
POINT = "Emporio solidale Sesto (demo)"


def _collected(point: Site, operator: User | None) -> None:
    """The demo families ask for garments, the warehouse prepares them, they collect them at the point."""
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
    if operator is None or coordinator is None:
        return
    for email, name, (street, civic, cap, lon, lat), members, wanted in HOUSEHOLDS:
        worker = db.session.scalar(select(User).where(User.email == email))
        if worker is None:
            continue
        identity = households.IdentityData(name=name, street=street, civic=civic, cap=cap, lon=lon, lat=lat)
        household = households.register_household(identity, True, worker)
        household.is_demo = True
        by_label = {m[0]: households.add_member(household, households.MemberData(*m), worker) for m in members}
        lines = [requests.LineData(by_label[label].id, category, "inverno", n) for label, category, n in wanted]
        data = requests.RequestData(lines=lines, fulfilment=Fulfilment.PICKUP, pickup_site_id=point.id)
        request = requests.create_request(household, data, worker)
        request.is_demo = True
        requests.send(request, worker)
        requests.approve(request, coordinator)
        try:
            with db.session.begin_nested():
                allocation.allocate(request, operator)
                workflow.mark_ready(request, operator)
                workflow.mark_collected(request, operator)
        except DomainError:  # nothing of these sizes in stock this month: the request stays approved
            continue


def ensure_demo_chain(today: date | None = None) -> None:
    """Last month and this month so far through the chain (once)."""
    plant, warehouse = _site(PLANT), _site(WAREHOUSE)
    if plant is None or warehouse is None or db.session.scalar(select(IntakeBatch.id).where(IntakeBatch.is_demo)):
        return
    today = today or local_today()
    last = today - timedelta(days=1)
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    user = db.session.scalar(select(User).where(User.email == OPERATOR_EMAIL))
    routes = _plan_rounds(first, last, plant)
    batches = _intakes(routes, plant, user, last) + _other_intakes(plant, user, first, last)
    by_day: dict[date, list[IntakeBatch]] = defaultdict(list)
    for batch in batches:
        by_day[to_local(batch.received_at).date()].append(batch)
    locations, registry = _locations(warehouse), _partners(plant)
    for day in _days(first, last - timedelta(days=1)):
        if by_day.get(day) and day < last - timedelta(days=1):
            _to_stock(_sort(by_day[day], user), locations, user)
        if day.weekday() == 4:  # Friday: the trucks of the recyclers, the exporter and the shop
            _ship(plant, local_datetime(day, time(16, 0)), registry, user)
    point = _site(POINT)
    if point is not None:
        _collected(point, user)
    db.session.flush()
