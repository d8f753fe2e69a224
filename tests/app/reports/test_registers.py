"""The load/unload register: annotation, numbering, corrections, the FIR rule, goods prepared for reuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.reports import registers
from app.reports.registers import CorrectionData
from tests.app import factories
from tests.app.reports.chain import at, build, intake


@pytest.fixture
def chain(clock):
    return build(clock)


def test_intakes_and_legs_become_numbered_loads_and_unloads_in_the_order_the_kilos_moved(chain):
    entries = registers.annotate(chain.plant.id, None)
    db.session.commit()
    assert [(e.number, e.direction, e.cause, e.weight_kg) for e in entries] == [
        (1, "load", "T*", Decimal("400.0")),
        (2, "load", "T*", Decimal("100.0")),
        (3, "unload", "aT", Decimal("150.0")),
        (4, "unload", "M", Decimal("60.0")),
    ]
    assert {e.year for e in entries} == {2026}


def test_the_public_collection_round_needs_no_fir_every_later_leg_does(chain):
    round_load, drop_off, fir, _goods = registers.annotate(chain.plant.id, None)
    assert (round_load.fir_required, round_load.origin, round_load.eer_code) == (False, "U", "200110")
    assert drop_off.fir_required is True and drop_off.fir_number == ""
    assert (fir.fir_required, fir.fir_number, fir.rd_operation, fir.origin) == (True, "FIR RX 123456/26", "R3", "S")
    assert fir.carrier_albo_number == "MI/012345" and fir.destination_authorisation == "AUA 2024/118"


def test_goods_prepared_for_reuse_leave_as_materials_without_waste_data(chain):
    goods = registers.annotate(chain.plant.id, None)[-1]
    assert (goods.cause, goods.material, goods.eer_code, goods.rd_operation) == ("M", "TE", "", "")
    assert (goods.fir_required, goods.ddt_number) == (False, "DDT 77/2026")


def test_annotating_again_adds_only_what_is_new_and_numbers_never_move(chain, clock):
    first = registers.annotate(chain.plant.id, None)
    assert registers.annotate(chain.plant.id, None) == [] and registers.pending(chain.plant.id) == 0
    later = intake(chain.plant, "80", at(11, 2))  # recorded late, about an earlier day
    new = registers.annotate(chain.plant.id, None)
    assert [(e.intake_batch_id, e.number) for e in new] == [(later.id, 5)]
    assert [e.number for e in first] == [1, 2, 3, 4]


def test_numbers_restart_for_each_plant_and_each_year(chain, clock):
    registers.annotate(chain.plant.id, None)
    other = factories.SortingPlantFactory()
    intake(other, "50", at(11, 10))
    assert [e.number for e in registers.annotate(other.id, None)] == [1]
    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    intake(chain.plant, "70", datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    assert [(e.year, e.number) for e in registers.annotate(chain.plant.id, None)] == [(2027, 1)]


def test_a_correction_is_a_new_entry_pointing_at_the_corrected_one(chain):
    drop_off = registers.annotate(chain.plant.id, None)[1]
    fixed = registers.correct(
        drop_off.id, CorrectionData("98,5".replace(",", "."), "FIR AB 1/26", "Pesata errata"), None
    )
    assert (fixed.number, fixed.corrects_id, fixed.weight_kg) == (5, drop_off.id, Decimal("98.5"))
    assert (fixed.fir_number, fixed.cause, fixed.note) == ("FIR AB 1/26", "T*", "Pesata errata")
    assert drop_off.weight_kg == Decimal("100.0")  # never edited
    assert registers.corrected_ids(chain.plant) == {drop_off.id}
    with pytest.raises(ConflictError) as error:
        registers.correct(drop_off.id, CorrectionData("97", "FIR AB 1/26", "Ancora"), None)
    assert fixed.code in error.value.message


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (CorrectionData("10", "FIR 1", "  "), "reason"),
        (CorrectionData("-3", "FIR 1", "Motivo"), "weight_kg"),
        (CorrectionData("10", "", "Motivo"), "fir_number"),
    ],
)
def test_a_correction_needs_a_reason_a_weight_and_the_fir_where_one_is_required(chain, data, field):
    drop_off = registers.annotate(chain.plant.id, None)[1]
    with pytest.raises(ValidationError) as error:
        registers.correct(drop_off.id, data, None)
    assert error.value.field == field


def test_an_operator_sees_only_the_plants_of_their_organisation(chain):
    stranger = factories.UserFactory(role="operator")
    with pytest.raises(PermissionDenied):
        registers.report_plant(chain.plant.id, stranger)
    colleague = factories.UserFactory(role="operator")
    chain.plant.organisation_id = colleague.organisation_id
    assert registers.report_plant(chain.plant.id, colleague) == chain.plant
    with pytest.raises(NotFoundError):
        registers.report_plant(factories.WarehouseFactory().id, colleague)


@pytest.mark.parametrize("year", ["26", "20x6", "1999", "2027", ""])
def test_a_year_must_have_four_digits_and_not_be_in_the_future(chain, year):
    with pytest.raises(ValidationError) as error:
        registers.report_year(year)
    assert error.value.field == "year"


def test_pending_counts_what_is_not_yet_annotated(chain, clock):
    assert registers.pending(chain.plant.id) == 4
    registers.annotate(chain.plant.id, None)
    clock.advance(timedelta(days=1))
    intake(chain.plant, "20", at(12, 3, 9))
    assert registers.pending(chain.plant.id) == 1
