"""Intake batches: weighbridge weights, the kg ledger, and the check against logged pickups."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.bins.models import Bin
from app.collection.models import Pickup
from app.errors import ConflictError, PermissionDenied, ValidationError
from app.extensions import db
from app.sorting import ledger, services
from app.sorting.models import IntakeBatch, KgEntry
from tests.app import factories
from tests.app.sorting.helpers import intake

_CODES = itertools.count(1)


def _pickup(weight_kg, superseded=False) -> Pickup:
    operator = factories.OrganisationFactory()
    bin_ = Bin(
        code=f"MI-{next(_CODES):04d}",
        operator=operator,
        street_type="Via",
        street_name="Padova",
        civic_number="21",
        cap="20127",
        comune_code=factories.MILANO,
        lon=9.2260,
        lat=45.4960,
        capacity_l=2500,
        full_weight_kg=300,
    )
    pickup = Pickup(
        bin=bin_,
        collected_at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
        weight_kg=None if weight_kg is None else Decimal(weight_kg),
        superseded=superseded,
    )
    db.session.add(pickup)
    db.session.flush()
    return pickup


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_net_weight_is_gross_minus_tare_and_enters_the_kg_ledger():
    batch = intake(gross="1520.4", tare="480")
    assert batch.net_kg == Decimal("1040.4")
    assert ledger.batch_balance_kg(batch.id) == Decimal("1040.4")
    assert batch.lot_code == f"IN-{batch.id:06d}"


@pytest.mark.parametrize(
    ("gross", "tare", "field"),
    [
        ("-10", "0", "gross_kg"),
        ("NaN", "0", "gross_kg"),
        ("Infinity", "0", "gross_kg"),
        ("500", "-1", "tare_kg"),
        ("500", "600", "tare_kg"),
        ("500", "500", "tare_kg"),
        ("abc", "0", "gross_kg"),
    ],
)
def test_bad_weights_are_refused_and_nothing_is_written(gross, tare, field):
    site = factories.SortingPlantFactory()
    with pytest.raises(ValidationError) as error:
        intake(site, gross=gross, tare=tare)
    assert error.value.field == field
    assert _count(IntakeBatch) == 0 and _count(KgEntry) == 0


def test_a_batch_arrives_only_at_a_sorting_plant():
    with pytest.raises(ValidationError):
        intake(factories.WarehouseFactory())


def test_an_operator_of_another_organisation_cannot_record_intake_at_the_plant():
    site = factories.SortingPlantFactory(organisation=factories.OrganisationFactory())
    stranger = factories.UserFactory(role="operator")
    with pytest.raises(PermissionDenied):
        intake(site, user=stranger)


def test_eer_code_must_have_six_digits_and_spaces_are_accepted():
    assert intake(eer_code="20 01 10").eer_code == "200110"
    with pytest.raises(ValidationError):
        intake(eer_code="2001")


def test_net_weight_close_to_the_logged_pickups_is_not_flagged():
    pickups = [_pickup("400"), _pickup("600"), _pickup(None)]
    batch = intake(gross="1550", tare="500", pickup_ids=tuple(p.id for p in pickups))
    check = services.pickup_check(batch)
    assert check.logged_kg == Decimal("1000") and check.difference_kg == Decimal("50")
    assert check.unweighed == 1 and not check.flagged


def test_difference_above_the_configured_tolerance_is_flagged(app):
    pickups = [_pickup("400"), _pickup("600")]
    batch = intake(gross="1150", tare="0", pickup_ids=tuple(p.id for p in pickups))
    assert services.pickup_check(batch).difference_percent == Decimal("15.0")
    assert services.pickup_check(batch).flagged
    app.config["INTAKE_PICKUP_TOLERANCE_PERCENT"] = "20"
    try:
        assert not services.pickup_check(batch).flagged
    finally:
        del app.config["INTAKE_PICKUP_TOLERANCE_PERCENT"]


def test_a_pickup_travels_in_at_most_one_batch():
    pickup = _pickup("300")
    intake(pickup_ids=(pickup.id,))
    with pytest.raises(ConflictError):
        intake(pickup_ids=(pickup.id,))
    assert _count(IntakeBatch) == 1


def test_superseded_pickups_cannot_be_linked():
    pickup = _pickup("300", superseded=True)
    with pytest.raises(ValidationError):
        intake(pickup_ids=(pickup.id,))


def _unloaded_round(*weights, status="published", kind="collection"):
    """A route whose stops made pickups of these weights."""
    route = factories.RouteStopFactory(route__plan__status=status, route__plan__kind=kind).route
    route.stops[0].pickup_id = _pickup(weights[0]).id
    for weight in weights[1:]:
        factories.RouteStopFactory(route=route, pickup_id=_pickup(weight).id)
    db.session.flush()
    return route


def test_an_intake_from_a_round_names_the_route_and_carries_its_stops_pickups():
    route = _unloaded_round("120", "80")
    done_elsewhere = route.stops[1].pickup_id
    intake(pickup_ids=(done_elsewhere,))
    batch = intake(route_id=route.id, gross="1195", tare="1000")
    assert batch.route_id == route.id
    assert [p.id for p in batch.pickups] == [route.stops[0].pickup_id]  # one pickup was already in a batch
    assert services.pickup_check(batch).logged_kg == Decimal(120)


def test_only_a_round_intake_names_a_published_collection_route():
    with pytest.raises(ValidationError, match="giro"):
        intake(route_id=_unloaded_round("100").id, source="drive")
    with pytest.raises(ValidationError, match="Giro inesistente"):
        intake(route_id=_unloaded_round("100", status="draft").id)
    with pytest.raises(ValidationError, match="Giro inesistente"):
        intake(route_id=_unloaded_round("100", kind="delivery").id)
    with pytest.raises(ValidationError, match="Giro inesistente"):
        intake(route_id=2_000_000)
    assert _count(IntakeBatch) == 0
