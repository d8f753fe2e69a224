"""Fulfilment: self-collection, pickup stops as the planner sees them, a skipped pickup, machines in the KPIs."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from flask import Flask

from app.core.clock import local_today, utcnow
from app.core.refs import reference_key
from app.errors import ConflictError, PermissionDenied, ValidationError
from app.extensions import db
from app.geo.distance import straight_m
from app.reports.kpis import KpiFilter, symbiosis
from app.rounds import kinds
from app.rounds.models import RouteStop, StopStatus
from app.symbiosis import fulfilment, pickup_stops, services
from app.symbiosis.models import Match, MatchStatus
from tests.app import factories
from tests.app.rounds.conftest import DEPOT_POINT, PLANT_POINT, milan_roads, on_milan_roads  # noqa: F401
from tests.app.symbiosis.conftest import Market, need_data, offer_data


def _accepted(market: Market, **offer: object) -> Match:
    services.post_listing(offer_data(market.firm.site.id, **offer), market.firm.user)
    need_fields = {k: v for k, v in offer.items() if k in ("kind", "category", "unit")}
    if offer.get("kind") == "machine":
        need_fields |= {"quantity": "1", "fibres": {}}
    need = services.post_listing(need_data(**need_fields), market.coop.user)
    match = db.session.query(Match).filter_by(need_id=need.id).one()
    services.answer(match.id, True, market.firm.user)
    services.answer(match.id, True, market.coop.user)
    return match


def _pickup(market: Market, match: Match, day: date, required: bool = False) -> None:
    arrangement = fulfilment.Arrangement("pickup", day, time(9), time(11), required)
    fulfilment.arrange(match.id, arrangement, market.firm.user)


def test_only_the_offering_side_arranges_and_only_an_accepted_match(market: Market) -> None:
    match = _accepted(market)
    with pytest.raises(PermissionDenied):
        fulfilment.arrange(match.id, fulfilment.Arrangement("self"), market.coop.user)
    with pytest.raises(ValidationError) as refused:
        _pickup(market, match, local_today() - timedelta(days=1))
    assert refused.value.field == "pickup_date"
    with pytest.raises(ValidationError):
        fulfilment.arrange(
            match.id, fulfilment.Arrangement("pickup", local_today(), time(11), time(9)), market.firm.user
        )


def test_a_self_collection_records_the_quantity_moved_and_tells_both_sides(market: Market) -> None:
    match = _accepted(market)
    fulfilment.arrange(match.id, fulfilment.Arrangement("self"), market.firm.user)
    fulfilment.complete_self_collection(match.id, "75", "18,5", market.coop.user)
    assert (match.status, match.moved_quantity, match.moved_kg) == (MatchStatus.COMPLETED, 75, Decimal("18.5"))
    with pytest.raises(ConflictError):
        fulfilment.complete_self_collection(match.id, "75", "18,5", market.coop.user)


def test_an_accepted_pickup_is_a_stop_of_its_day_with_the_firms_window(market: Market) -> None:
    match = _accepted(market)
    tomorrow = local_today() + timedelta(days=1)
    _pickup(market, match, tomorrow)
    assert kinds.collection_stops(local_today()) == []
    [record] = kinds.collection_stops(tomorrow)
    assert record.key == reference_key(f"symbiosis:{match.id}")
    assert (record.lon, record.lat) == (market.firm.site.lon, market.firm.site.lat)
    assert record.demand_kg == 30 and record.window == (9 * 3600, 11 * 3600)
    assert not record.required and record.prize > 0  # optional: the planner weighs it like a bin


def test_a_pickup_on_a_published_round_is_not_planned_twice(market: Market) -> None:
    match = _accepted(market)
    _pickup(market, match, local_today() + timedelta(days=1), required=True)
    route = factories.driver_round(factories.UserFactory(role="driver"), stops=0)
    factories.RouteStopFactory(route=route, sequence=1, kind="symbiosis", reference=f"symbiosis:{match.id}", bin=None)
    db.session.flush()
    assert kinds.collection_stops(local_today() + timedelta(days=1)) == []


def _stop(match: Match) -> RouteStop:
    driver = factories.UserFactory(role="driver")
    route = factories.driver_round(driver, stops=0, service_date=local_today())
    stop = factories.RouteStopFactory(
        route=route, sequence=1, kind="symbiosis", reference=f"symbiosis:{match.id}", bin=None
    )
    db.session.flush()
    return stop


def test_a_skipped_pickup_leaves_the_match_to_arrange_again(market: Market) -> None:
    match = _accepted(market)
    _pickup(market, match, local_today())
    stop = _stop(match)
    action = kinds.StopAction({"reason": "no_time"}, stop.route.driver, utcnow())
    kinds.stop_kind("symbiosis").on_skip(stop, action)
    assert stop.status == StopStatus.SKIPPED and match.status == MatchStatus.ACCEPTED


def test_the_driver_must_weigh_a_pickup_and_sees_the_firm_and_what_to_load(market: Market) -> None:
    match = _accepted(market)
    _pickup(market, match, local_today())
    stop = _stop(match)
    hooks = kinds.stop_kind("symbiosis")
    with pytest.raises(ValidationError) as refused:
        hooks.on_done(stop, kinds.StopAction({"notes": ""}, stop.route.driver, utcnow()))
    assert refused.value.field == "weight_kg" and stop.status == StopStatus.PENDING
    fields = hooks.sheet_fields(stop, stop.route.driver)
    assert fields["label"] == f"Ritiro simbiosi {match.code}"
    assert market.firm.organisation.name in fields["address"] and "Popeline" in fields["access_notes"]
    assert pickup_stops.match_of(stop) is match


def test_machines_reused_and_kg_diverted_count_in_the_kpis(market: Market) -> None:
    machine = _accepted(
        market,
        kind="machine",
        category="sewing",
        unit="pieces",
        quantity="2",
        condition="good",
        terms="give",
        weight_kg="40",
        fibres={},
        waste_status="",
    )
    fulfilment.arrange(machine.id, fulfilment.Arrangement("self"), market.firm.user)
    fulfilment.complete_self_collection(machine.id, "1", "", market.coop.user)
    fabric = _accepted(market)
    fulfilment.arrange(fabric.id, fulfilment.Arrangement("self"), market.firm.user)
    fulfilment.complete_self_collection(fabric.id, "80", "20", market.coop.user)
    figures = symbiosis(KpiFilter(local_today(), local_today()))
    assert (figures.machines, figures.diverted_kg, figures.matches) == (1, Decimal("20.0"), 2)
    assert figures.co2e_low_t == Decimal("20") / 1000 * Decimal("4.0") * Decimal("0.28")


def test_with_the_road_network_loaded_matches_are_ranked_by_road(
    app: Flask,
    market: Market,
    on_milan_roads: str,  # noqa: F811  (the fixture imported above)
) -> None:
    for participant, (lon, lat) in ((market.firm, PLANT_POINT), (market.coop, DEPOT_POINT)):
        participant.site.lon, participant.site.lat = lon, lat  # both on the central-Milan extract's roads
    services.post_listing(offer_data(market.firm.site.id), market.firm.user)
    services.post_listing(need_data(), market.coop.user)
    match = db.session.query(Match).one()
    straight = straight_m(*PLANT_POINT, *DEPOT_POINT)
    assert match.by_road and match.distance_m >= straight


def test_a_pickup_left_out_of_a_plan_reads_as_a_symbiosis_pickup() -> None:
    from app.rounds.labels import reference_label

    assert reference_label("symbiosis:12") == "Ritiro simbiosi n. 12"
