"""Intake batches: weighbridge weights, the kg ledger, and the check against logged pickups."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.bins.models import Bin
from app.collection.models import Pickup
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.sorting import ledger, services
from app.sorting.models import IntakeBatch, KgEntry
from tests.app import factories
from tests.app.sorting.helpers import driven_round, intake

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
    with pytest.raises(ValidationError, match="indica il motivo"):
        intake(gross="1150", tare="0", pickup_ids=tuple(p.id for p in pickups))
    batch = intake(gross="1150", tare="0", pickup_ids=tuple(p.id for p in pickups), difference_reason="bagnato")
    assert services.pickup_check(batch).difference_percent == Decimal("15.0")
    assert services.pickup_check(batch).flagged
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "INTAKE_PICKUP_TOLERANCE_PERCENT", "20")
        assert not services.pickup_check(batch).flagged


def test_a_pickup_travels_in_at_most_one_batch():
    pickup = _pickup("300")
    intake(pickup_ids=(pickup.id,), gross="1300", tare="1000")
    with pytest.raises(ConflictError, match="già in un altro carico"):
        intake(pickup_ids=(pickup.id,), gross="1300", tare="1000")
    assert _count(IntakeBatch) == 1


def test_superseded_pickups_cannot_be_linked():
    pickup = _pickup("300", superseded=True)
    with pytest.raises(ValidationError):
        intake(pickup_ids=(pickup.id,))


def test_an_intake_names_a_published_collection_route_only_from_a_round():
    route = driven_round("BR")
    with pytest.raises(ValidationError, match="giro"):
        intake(route.end_site, route_id=route.id, unload_stop_id=route.stops[1].id, source="drive")
    draft = driven_round("BR")
    draft.plan.status = "draft"
    delivery = driven_round("BR")
    delivery.plan.kind = "delivery"
    for other in (draft, delivery):
        with pytest.raises(NotFoundError, match="Giro inesistente"):
            intake(other.end_site, route_id=other.id, unload_stop_id=other.stops[1].id)
    with pytest.raises(NotFoundError, match="Giro inesistente"):
        intake(route_id=2_000_000)
    assert _count(IntakeBatch) == 0


def test_a_pickup_of_another_organisation_cannot_be_taken_in_by_an_operator():
    user = factories.UserFactory(role="operator")
    plant = factories.SortingPlantFactory(organisation=user.organisation)
    with pytest.raises(PermissionDenied, match="altra organizzazione"):
        intake(plant, user=user, pickup_ids=(_pickup("300").id,))
    assert _count(IntakeBatch) == 0


def test_hand_pickups_must_be_on_the_vehicle_named_and_only_in_a_round_load():
    vehicle, other = factories.VehicleFactory(), factories.VehicleFactory()
    pickup = _pickup("300")
    pickup.vehicle_id = other.id
    with pytest.raises(ValidationError, match="non è su questo mezzo"):
        intake(pickup_ids=(pickup.id,), vehicle_id=vehicle.id)
    with pytest.raises(ValidationError, match="solo ai carichi da giro"):
        intake(pickup_ids=(pickup.id,), source="symbiosis")
    assert intake(pickup_ids=(pickup.id,), vehicle_id=other.id, gross="1300", tare="1000").pickups == [pickup]


def test_a_firms_surplus_is_a_typed_source():
    assert intake(source="symbiosis", source_ref="Maglificio Brianza srl").source == "symbiosis"
    with pytest.raises(ValidationError, match="Provenienza"):
        intake(source="gift")


def test_weights_with_a_decimal_are_taken_in_on_every_database():
    # On SQLite kg are binary floats: 10.064,3 − 7.400 is 2.664,2999…; the net check must still accept it.
    batch = intake(gross="10064.3", tare="7400")
    assert batch.net_kg == Decimal("2664.3")
