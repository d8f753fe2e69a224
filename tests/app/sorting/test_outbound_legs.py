"""Outbound legs: several lines withdrawn all or nothing, and the rules of waste (FIR) and goods (DDT) legs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import ConflictError, DomainError, NotFoundError, ValidationError
from app.extensions import db
from app.sorting import ledger, outbound, partners, services
from app.sorting.models import KgEntry, OutboundLeg, OutboundLine
from tests.app import factories
from tests.app.sorting.helpers import closed_session, intake
from tests.app.sorting.legs import CARRIER, RECYCLER, SHIPPED, SHOP, partner, ship, waste_leg

FRACTIONS = {"recycle_cotton": "400", "recycle_wool": "300", "reuse_a": "150", "contaminants": "140"}


@pytest.fixture
def session():
    return closed_session(FRACTIONS)


def _balances(session) -> dict[str, Decimal]:
    return {f.kind: ledger.fraction_balance_kg(f.id) for f in session.fractions}


def _refused(data: outbound.LegData, error: type[DomainError], match: str, field: str) -> None:
    """The leg is refused with a message on ``field``, and nothing was written: no leg, line or kg row."""
    with pytest.raises(error, match=match) as refused:
        outbound.record_leg(data, None)
    assert refused.value.field == field
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (OutboundLeg, OutboundLine)]
    assert counts == [0, 0]
    assert db.session.scalar(select(func.count()).where(KgEntry.kind == "outbound")) == 0


def test_a_leg_of_several_fractions_takes_each_lines_kilos_with_its_own_ledger_row(session):
    leg = ship(session, {"recycle_cotton": "400", "recycle_wool": "150"})
    assert [(line.fraction.kind, line.weight_kg) for line in leg.lines] == [
        ("recycle_cotton", Decimal(400)),
        ("recycle_wool", Decimal(150)),
    ]
    assert [line.kg_entry.delta_kg for line in leg.lines] == [Decimal(-400), Decimal(-150)]
    assert {line.kg_entry.kind for line in leg.lines} == {"outbound"}
    assert leg.weight_kg == Decimal(550) and leg.eer_code == "191208" and leg.rd_operation == "R3"
    assert _balances(session)["recycle_wool"] == Decimal(150) and _balances(session)["recycle_cotton"] == 0
    report = outbound.reconcile()
    assert report.outbound_kg == Decimal(550) and report.closes


def test_one_line_over_what_its_lot_holds_refuses_the_whole_leg_naming_the_lot(session):
    wool = next(f for f in session.fractions if f.kind == "recycle_wool")
    data = waste_leg(session, {"recycle_cotton": "400", "recycle_wool": "300.1"})
    _refused(data, ConflictError, f"lotto {wool.lot_code} ha solo 300,0 kg", "lines[1].weight_kg")
    assert _balances(session)["recycle_cotton"] == Decimal(400)


def test_more_than_the_plant_holds_is_refused_after_an_earlier_leg(session):
    ship(session, {"recycle_cotton": "300"})
    with pytest.raises(ConflictError, match="solo 100,0 kg"):
        ship(session, {"recycle_wool": "100", "recycle_cotton": "100.1"})
    assert _balances(session)["recycle_wool"] == Decimal(300)
    assert db.session.scalar(select(func.count()).select_from(OutboundLeg)) == 1


def test_a_lot_of_a_session_still_open_refuses_the_leg():
    batch = intake(gross="1500", tare="500")
    open_session = services.open_session(batch.site_id, [batch.id], None)
    fraction = services.add_fraction(open_session.id, "recycle_mixed", "990", None)
    data = waste_leg(open_session, {"recycle_mixed": "100"})
    _refused(data, ConflictError, f"lotto {fraction.lot_code} non è ancora chiusa", "lines[0].fraction_id")


def test_a_lot_of_another_plant_refuses_the_leg(session):
    elsewhere = closed_session({"recycle_cotton": "1000"})
    data = waste_leg(session, {"recycle_cotton": "100"})
    other = elsewhere.fractions[0]
    data = replace(data, lines=(*data.lines, outbound.LineData(other.id, "100")))
    _refused(data, ConflictError, f"lotto {other.lot_code} è di un altro impianto", "lines[1].fraction_id")


def test_a_lot_repeated_on_two_lines_is_refused(session):
    data = waste_leg(session, {"recycle_cotton": "100"})
    data = replace(data, lines=(*data.lines, data.lines[0]))
    _refused(data, ValidationError, "compare in due righe", "lines[1].fraction_id")


def test_an_unknown_lot_is_refused(session):
    data = replace(waste_leg(session, {}), lines=(outbound.LineData(987654, "10"),))
    _refused(data, NotFoundError, "Lotto inesistente", "lines[0].fraction_id")


def test_a_leg_without_lines_is_refused(session):
    _refused(waste_leg(session, {}), ValidationError, "almeno un lotto", "lines")


@pytest.mark.parametrize("kg", ["0", "-5", "NaN", "dieci"])
def test_zero_negative_or_unreadable_kilos_are_refused(session, kg):
    _refused(waste_leg(session, {"recycle_cotton": kg}), ValidationError, "(?i)peso", "lines[0].weight_kg")


def test_an_unknown_destination_or_carrier_is_refused(session):
    _refused(
        waste_leg(session, {"recycle_cotton": "1"}, destination_id=987654),
        ValidationError,
        "Destinatario inesistente",
        "destination_id",
    )
    _refused(
        waste_leg(session, {"recycle_cotton": "1"}, carrier_id=987654),
        ValidationError,
        "Trasportatore inesistente",
        "carrier_id",
    )


def test_a_carrier_named_as_destination_is_refused(session):
    carrier = partner(CARRIER, session)
    data = waste_leg(session, {"recycle_cotton": "1"}, destination_id=carrier.id)
    _refused(data, ValidationError, "Destinatario inesistente", "destination_id")


def test_an_inactive_partner_is_refused(session):
    recycler = partner(RECYCLER, session)
    partners.set_partner_active(recycler.id, False, None)
    data = waste_leg(session, {"recycle_cotton": "1"}, destination=recycler)
    _refused(data, ValidationError, "Tessile Riciclo Prato srl è disattivato", "destination_id")


def test_a_partner_of_another_organisation_is_refused(session):
    foreign = partner(RECYCLER, None, organisation_id=factories.OrganisationFactory().id)
    data = waste_leg(session, {"recycle_cotton": "1"}, destination=foreign)
    _refused(data, ValidationError, "non è nell'anagrafica", "destination_id")


def test_a_waste_leg_needs_a_carrier_on_the_albo(session):
    unregistered = partner(CARRIER, session, name="Padroncino senza iscrizione", albo_number="")
    data = waste_leg(session, {"recycle_cotton": "1"}, carrier=unregistered)
    _refused(data, ValidationError, "iscritto all'Albo", "carrier_id")
    _refused(replace(data, carrier_id=None), ValidationError, "iscritto all'Albo", "carrier_id")


def test_a_waste_leg_needs_a_fir_number(session):
    data = waste_leg(session, {"recycle_cotton": "1"}, document_number="  ")
    _refused(data, ValidationError, "FIR: indica il suo numero", "document_number")


@pytest.mark.parametrize("code", ["", "19 12", "1912089", "AB1208"])
def test_a_waste_leg_needs_a_valid_eer_code(session, code):
    _refused(waste_leg(session, {"recycle_cotton": "1"}, eer_code=code), ValidationError, "EER non valido", "eer_code")


def test_the_eer_code_must_fit_every_lot(session):
    contaminants = next(f for f in session.fractions if f.kind == "contaminants")
    data = waste_leg(session, {"recycle_cotton": "1", "contaminants": "1"})
    _refused(data, ValidationError, f"19 12 08 non si applica al lotto {contaminants.lot_code}", "lines[1].fraction_id")
    cotton = next(f for f in session.fractions if f.kind == "recycle_cotton")
    other_residues = waste_leg(session, {"recycle_cotton": "1"}, eer_code="191212")
    _refused(other_residues, ValidationError, f"non si applica al lotto {cotton.lot_code}", "lines[0].fraction_id")


def test_textiles_may_keep_their_urban_code_20_01_10_for_storage(session):
    leg = ship(session, {"recycle_cotton": "100", "reuse_a": "50"}, eer_code="20 01 10", rd_operation="R13")
    assert leg.eer_code == "200110" and leg.rd_operation == "R13"


def test_the_r_d_operation_must_be_one_the_destination_is_authorised_for(session):
    _refused(
        waste_leg(session, {"recycle_cotton": "1"}, rd_operation="R1"),
        ValidationError,
        "R1 non autorizzata",
        "rd_operation",
    )
    _refused(
        waste_leg(session, {"recycle_cotton": "1"}, rd_operation=""), ValidationError, "non autorizzata", "rd_operation"
    )


def test_a_waste_destination_must_be_a_plant_with_an_authorisation_number(session):
    pending = partner(RECYCLER, session, name="Impianto in attesa", authorisation_number="")
    _refused(
        waste_leg(session, {"recycle_cotton": "1"}, destination=pending),
        ValidationError,
        "numero di autorizzazione",
        "destination_id",
    )
    shop = partner(SHOP, session)
    _refused(
        waste_leg(session, {"recycle_cotton": "1"}, destination=shop),
        ValidationError,
        "non può ricevere rifiuti",
        "destination_id",
    )


def test_residues_go_to_a_disposal_plant_under_19_12_12(session):
    landfill = partner(RECYCLER, session, kind="disposal_plant", name="Discarica Cerro Maggiore", operations="D1 D15")
    leg = ship(session, {"contaminants": "140"}, destination=landfill, eer_code="19 12 12", rd_operation="D1")
    assert (leg.eer_code, leg.rd_operation, leg.destination.kind) == ("191212", "D1", "disposal_plant")


def _goods(session, **changes) -> outbound.LegData:
    data = waste_leg(session, {"reuse_a": "150"}, destination=partner(SHOP, session))
    goods = {"document_kind": "ddt", "document_number": "DDT 77/2026", "eer_code": "", "rd_operation": ""}
    goods["carrier_id"] = None
    return replace(data, **(goods | changes))


def test_reuse_lots_leave_as_goods_with_a_ddt_and_no_eer_code(session):
    leg = outbound.record_leg(_goods(session), None)
    assert (leg.document_kind, leg.document_number, leg.eer_code, leg.rd_operation) == ("ddt", "DDT 77/2026", "", "")
    assert leg.carrier is None and _balances(session)["reuse_a"] == 0


def test_goods_legs_refuse_an_eer_code_an_operation_waste_lots_a_plant_or_no_number(session):
    _refused(_goods(session, eer_code="191208"), ValidationError, "non ha codice EER", "eer_code")
    _refused(_goods(session, rd_operation="R3"), ValidationError, "non ha operazione R/D", "rd_operation")
    cotton = next(f for f in session.fractions if f.kind == "recycle_cotton")
    waste_lot = _goods(session, lines=(outbound.LineData(cotton.id, "10"),))
    _refused(waste_lot, ValidationError, f"lotto {cotton.lot_code} .* è un rifiuto", "lines[0].fraction_id")
    _refused(_goods(session, document_number=""), ValidationError, "numero del DDT", "document_number")
    plant = partner(RECYCLER, session)
    _refused(_goods(session, destination_id=plant.id), ValidationError, "non acquista merce", "destination_id")


def test_an_unknown_document_kind_is_refused(session):
    _refused(
        waste_leg(session, {"recycle_cotton": "1"}, document_kind="cmr"), ValidationError, "Documento", "document_kind"
    )


def test_operators_cannot_ship_from_another_organisations_plant(session):
    operator = factories.UserFactory(role="operator")
    with pytest.raises(DomainError, match="non appartiene alla tua organizzazione"):
        ship(session, {"recycle_cotton": "1"}, user=operator)
    assert db.session.scalar(select(func.count()).select_from(OutboundLeg)) == 0


def test_the_registers_read_lines_and_totals_by_destination_eer_and_operation(session):
    ship(session, {"recycle_cotton": "400", "recycle_wool": "100"})
    ship(session, {"recycle_wool": "50"}, rd_operation="R13", shipped_at=SHIPPED + timedelta(days=40))
    month = (SHIPPED - timedelta(days=21), SHIPPED + timedelta(days=9))
    lines = outbound.shipped_lines(*month)
    assert [(line.fraction.kind, line.weight_kg, line.leg.carrier.albo_number) for line in lines] == [
        ("recycle_cotton", Decimal(400), "MI/012345"),
        ("recycle_wool", Decimal(100), "MI/012345"),
    ]
    totals = outbound.shipped_totals(*month, site_id=session.site_id)
    assert [(t.eer_code, t.rd_operation, t.fraction_kind, t.weight_kg) for t in totals] == [
        ("191208", "R3", "recycle_cotton", Decimal(400)),
        ("191208", "R3", "recycle_wool", Decimal(100)),
    ]
    assert outbound.shipped_totals(*month, site_id=987654) == []
