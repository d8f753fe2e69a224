"""Sorting sessions close only when inputs = outputs + a loss within the tolerance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.sorting import ledger, outbound, services
from app.sorting.models import KgEntry, SortingSession
from tests.app import factories
from tests.app.sorting.helpers import closed_session, intake, reuse_b_fraction
from tests.app.sorting.legs import ship


def _session_with(outputs_kg: str, net_kg: str = "1000") -> SortingSession:
    batch = intake(gross=str(Decimal(net_kg) + 400), tare="400")
    session = services.open_session(batch.site_id, [batch.id], None)
    services.add_fraction(session.id, "reuse_b", outputs_kg, None)
    return session


@pytest.mark.parametrize("outputs", ["1000", "999.9", "990", "980.1", "980"])
def test_session_closes_when_the_loss_is_within_two_percent(outputs):
    session = services.close_session(_session_with(outputs).id, None)
    assert session.status == "closed"
    assert session.loss_kg == Decimal(1000) - Decimal(outputs)


@pytest.mark.parametrize(
    ("outputs", "shown"), [("979.9", "20,1"), ("950", "50,0"), ("1000.1", "-0,1"), ("1200", "-200,0")]
)
def test_session_outside_the_tolerance_cannot_be_closed_and_the_message_shows_the_difference(outputs, shown):
    session = _session_with(outputs)
    with pytest.raises(ConflictError) as error:
        services.close_session(session.id, None)
    assert "Bilancio di massa non chiuso" in error.value.message
    assert f"differenza {shown} kg" in error.value.message
    db.session.refresh(session)
    assert session.status == "open"
    assert db.session.scalar(select(func.count()).where(KgEntry.session_id == session.id)) == 0


def test_the_tolerance_is_configurable(app, monkeypatch):
    session = _session_with("950")
    monkeypatch.setitem(app.config, "SORTING_LOSS_TOLERANCE_PERCENT", "5")
    assert services.close_session(session.id, None).loss_kg == Decimal(50)


def test_a_session_without_fractions_cannot_be_closed():
    batch = intake()
    session = services.open_session(batch.site_id, [batch.id], None)
    with pytest.raises(ConflictError):
        services.close_session(session.id, None)


def test_several_batches_are_sorted_together_and_the_live_balance_adds_them():
    site = factories.SortingPlantFactory()
    first, second = intake(site, gross="900", tare="400"), intake(site, gross="1100", tare="400")
    session = services.open_session(site.id, [first.id, second.id], None)
    services.add_fraction(session.id, "reuse_a", "300", None)
    services.add_fraction(session.id, "recycle_cotton", "890", None)
    balance = services.mass_balance(session)
    assert balance.inputs_kg == Decimal(1200) and balance.outputs_kg == Decimal(1190)
    assert balance.loss_kg == Decimal(10) and balance.closes


def test_a_batch_cannot_be_sorted_twice():
    batch = intake()
    services.open_session(batch.site_id, [batch.id], None)
    with pytest.raises(ConflictError, match="già stato selezionato"):
        services.open_session(batch.site_id, [batch.id], None)


def test_a_closed_session_takes_no_more_fractions_and_cannot_close_again():
    session = closed_session({"reuse_b": "1000"})
    with pytest.raises(ConflictError):
        services.add_fraction(session.id, "reuse_a", "10", None)
    with pytest.raises(ConflictError):
        services.close_session(session.id, None)


@pytest.mark.parametrize("kg", ["0", "-5", "NaN", "inf"])
def test_fractions_with_bad_weights_are_refused(kg):
    session = _session_with("10")
    with pytest.raises(ValidationError):
        services.add_fraction(session.id, "reuse_a", kg, None)
    assert len(session.fractions) == 1


def test_a_mistyped_fraction_line_can_be_removed_while_the_session_is_open():
    session = _session_with("10")
    services.remove_fraction(session.id, session.fractions[0].id, None)
    assert services.mass_balance(session).outputs_kg == 0


def test_closing_moves_the_kilos_from_the_batch_to_the_fractions():
    session = closed_session({"reuse_b": "600", "recycle_wool": "390"})
    batch = session.inputs[0].batch
    assert ledger.batch_balance_kg(batch.id) == 0
    assert sorted(ledger.fraction_balance_kg(f.id) for f in session.fractions) == [Decimal(390), Decimal(600)]
    assert session.fractions[1].eer_code == "191208"


def test_outbound_cannot_ship_more_than_the_fraction_holds():
    session = closed_session({"recycle_mixed": "1000"})
    fraction = session.fractions[0]
    ship(session, {"recycle_mixed": "700"})
    with pytest.raises(ConflictError, match="solo 300,0 kg"):
        ship(session, {"recycle_mixed": "300.1"})
    assert ledger.fraction_balance_kg(fraction.id) == Decimal(300)


def test_every_kilo_received_reconciles_after_sorting_shipping_and_stock():
    intake()  # still unsorted
    fraction = reuse_b_fraction("200")
    ship(fraction.session, {"recycle_mixed": "500"})
    report = outbound.reconcile()
    assert report.intake_kg == Decimal(2000)
    assert report.unsorted_kg == Decimal(1000) and report.outbound_kg == Decimal(500)
    assert report.closes


def test_each_fraction_traces_back_to_its_batches_in_proportion():
    site = factories.SortingPlantFactory()
    first, second = intake(site, gross="700", tare="400"), intake(site, gross="1100", tare="400")
    session = services.open_session(site.id, [first.id, second.id], None)
    fraction = services.add_fraction(session.id, "reuse_b", "1000", None)
    lines = outbound.trace(fraction)
    assert [(line.batch.id, line.share_kg) for line in lines] == [(first.id, Decimal(300)), (second.id, Decimal(700))]
