"""Every KPI of the page against figures computed by hand on the fixture's autumn (see conftest.month)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from app.extensions import db
from app.geo.models import Comune
from app.reports.kpis import compute
from app.reports.kpis.co2e import TRUCK_KG_CO2E_PER_KM
from tests.app import factories
from tests.app.reports.conftest import AUTUMN, SESTO

D = Decimal
SESTO_SHARE = D("33.2") / D("333.2")  # of the sorted batch's logged kg


def test_kg_are_weighed_or_estimated_half_even_and_corrections_never_count(month):
    collected = compute(AUTUMN).collected
    assert collected.months == [date(2026, 10, 1), date(2026, 11, 1)]
    assert collected.by_month == [D("50.0"), D("333.2")]  # 300 + 35 % of 95 = 33,25 → 33,2
    assert (collected.kg, collected.pickups, collected.estimated_pickups) == (D("383.2"), 3, 1)
    assert collected.overflow_incidents == 1


def test_kg_by_comune_and_per_inhabitant_use_the_istat_population(month):
    collected = compute(AUTUMN).collected
    rows = {c.code: c for c in collected.by_comune}
    assert len(rows) == db.session.query(Comune).count()  # every comune, 0 kg where nothing was collected
    milano, sesto = rows[factories.MILANO], rows[SESTO]
    assert (milano.kg, milano.pickups, sesto.kg, sesto.pickups) == (D("350.0"), 2, D("33.2"), 1)
    assert milano.kg_per_inhabitant == D("350.0") / db.session.get(Comune, factories.MILANO).population
    assert collected.by_comune[0].code == factories.MILANO


def test_kg_by_operator_and_the_filters_on_the_bins(month):
    assert [(o.id, o.kg) for o in compute(AUTUMN).collected.by_operator] == [
        (month.operator.id, D("350.0")),
        (month.other.id, D("33.2")),
    ]
    assert compute(replace(AUTUMN, operator_id=month.other.id)).collected.kg == D("33.2")
    assert compute(replace(AUTUMN, stream="material_recovery")).collected.kg == D("33.2")
    by_comune = compute(replace(AUTUMN, comune_code=factories.MILANO)).collected
    assert by_comune.kg == D("350.0") and [c.code for c in by_comune.by_comune] == [factories.MILANO]
    assert compute(replace(AUTUMN, start=date(2026, 11, 1))).collected.by_month == [D("333.2")]


def test_the_sorting_split_counts_reuse_recycling_disposal_and_declared_loss(month):
    split = compute(AUTUMN).split
    assert split.sessions == 1
    assert split.by_outcome == {"reuse": 200, "recycling": 100, "disposal": 30, "loss": D("3.2")}
    assert split.share("reuse") == D(200) / D("333.2")
    assert split.by_kind == {"reuse_a": 200, "recycle_cotton": 100, "contaminants": 30}


def test_a_comune_gets_its_share_of_the_sessions_and_another_operator_none(month):
    sesto = compute(replace(AUTUMN, comune_code=SESTO)).split
    assert sesto.by_outcome["reuse"] == 200 * SESTO_SHARE
    assert sesto.by_outcome["loss"] == D("3.2") * SESTO_SHARE
    assert compute(replace(AUTUMN, operator_id=month.other.id)).split.sessions == 0


def test_pieces_into_stock_and_to_households_by_category(month):
    pieces = compute(AUTUMN).pieces
    assert dict(pieces.to_stock) == {"maglione": 10}
    assert dict(pieces.to_households) == {"maglione": 3}  # not the two taken to a shop
    sesto = compute(replace(AUTUMN, comune_code=SESTO)).pieces
    assert sesto.to_stock["maglione"] == 10 * SESTO_SHARE and sesto.to_households["maglione"] == 3
    assert dict(compute(replace(AUTUMN, comune_code=factories.MILANO)).pieces.to_households) == {}


def test_households_and_people_served_by_comune(month):
    kpis = compute(AUTUMN)
    assert [(r.comune_code, r.households, r.people) for r in kpis.served] == [
        (factories.MILANO, 1, 1),
        (SESTO, 1, 2),  # two requests of one household: served once
    ]
    assert (kpis.households, kpis.people) == (2, 3)
    assert compute(replace(AUTUMN, comune_code=SESTO)).people == 2


def test_km_hours_kg_per_km_stops_per_hour_and_on_time_deliveries(month):
    logistics = compute(AUTUMN).logistics
    collection = logistics.by_kind["collection"]
    assert (collection.routes, collection.km, collection.hours, collection.stops_done) == (1, D("38.5"), 5, 2)
    assert logistics.kg_per_km == D("333.2") / D("38.5")
    assert logistics.stops_per_hour == D("0.4")
    assert (logistics.deliveries, logistics.with_window, logistics.on_time) == (2, 2, 1)
    assert compute(replace(AUTUMN, operator_id=month.other.id)).logistics.km == 0


def test_co2e_avoided_for_each_displacement_share_net_of_the_trucks(month):
    co2e = compute(AUTUMN).co2e
    trucks_t = D("38.5") * TRUCK_KG_CO2E_PER_KM / 1000
    assert co2e.collection_t == trucks_t and co2e.recycling_t == D("0.07")  # 0,1 t × 0,7
    assert [s.displacement for s in co2e.scenarios] == [D("0.28"), D("0.60"), D("0.85")]
    assert co2e.low.net_t == D("0.2") * 4 * D("0.28") + D("0.07") - trucks_t
    assert co2e.high.net_t == D("0.2") * 4 * D("0.85") + D("0.07") - trucks_t
    sesto = compute(replace(AUTUMN, comune_code=SESTO)).co2e
    assert sesto.collection_km == D("38.5") * SESTO_SHARE  # the rounds' km attributed by kg collected


def test_an_empty_period_has_zeros_and_no_ratios(month):
    kpis = compute(replace(AUTUMN, start=date(2025, 1, 1), end=date(2025, 1, 31)))
    assert kpis.collected.kg == 0 and kpis.split.kg == 0 and kpis.served == []
    assert kpis.logistics.kg_per_km is None and kpis.logistics.on_time_share is None
