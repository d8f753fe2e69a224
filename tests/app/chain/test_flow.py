"""The chain balance: a period's kilos followed from the bins to the fractions, filtered and attributed by mass."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.chain import balance
from app.chain.flow import Scope, follow
from app.collection.models import Pickup
from app.extensions import db
from app.sorting import services
from tests.app import factories
from tests.app.sorting.legs import ship

SESTO = "015209"
NOVEMBER = Scope(date(2026, 11, 1), date(2026, 11, 30))


def pickup(bin_, kg: str | None, day: int = 10) -> Pickup:
    row = Pickup(bin=bin_, collected_at=datetime(2026, 11, day, 9, 0, tzinfo=UTC), weight_kg=kg and Decimal(kg))
    db.session.add(row)
    db.session.flush()
    return row


def intake(plant, pickups: list[Pickup], net: str, day: int = 11, reason: str = ""):
    data = services.IntakeData(
        site_id=plant.id,
        source="round",
        received_at=datetime(2026, 11, day, 14, 0, tzinfo=UTC),
        gross_kg=Decimal(net) + 5000,
        tare_kg="5000",
        pickup_ids=tuple(p.id for p in pickups),
        difference_reason=reason,
    )
    return services.record_intake(data, None)


@pytest.fixture
def chain(clock):
    """300 kg from Milano and 100 kg from Sesto, weighed as 400 kg, sorted with 4 kg lost, 100 kg shipped."""
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    plant = factories.SortingPlantFactory()
    milano, sesto = factories.BinFactory(), factories.BinFactory(comune_code=SESTO)
    batch = intake(plant, [pickup(milano, "300"), pickup(sesto, "100")], "400")
    session = services.open_session(plant.id, [batch.id], None)
    services.add_fraction(session.id, "reuse_b", "196", None)
    services.add_fraction(session.id, "recycle_mixed", "200", None)
    ship(services.close_session(session.id, None), {"recycle_mixed": "100"})
    db.session.commit()
    return plant, milano, sesto


def test_a_month_is_followed_from_the_bins_to_the_fractions(chain):
    flow = follow(NOVEMBER)
    assert (flow.logged_kg, flow.weighed_kg, flow.sorted_kg) == (400, 400, 400)
    assert flow.loss_kg == 4 and sum(flow.fractions_kg.values()) == 396
    assert (flow.outbound_kg, flow.to_stock_kg, flow.at_plant_kg) == (100, 0, 296)
    assert [h.status for h in balance.hops(flow)] == ["ok", "ok", "pending"]


def test_a_comune_gets_its_share_and_the_comuni_add_up_to_the_whole(chain):
    milano = follow(Scope(NOVEMBER.start, NOVEMBER.end, comune_code=factories.MILANO))
    sesto = follow(Scope(NOVEMBER.start, NOVEMBER.end, comune_code=SESTO))
    assert milano.weighed_kg == 300 and sesto.weighed_kg == 100
    assert milano.fractions_kg["reuse_b"] == 147 and sesto.fractions_kg["reuse_b"] == 49
    assert milano.outbound_kg + sesto.outbound_kg == 100


def test_another_month_holds_none_of_these_kilos(chain):
    flow = follow(Scope(date(2026, 10, 1), date(2026, 10, 31)))
    assert flow.pickups == [] and flow.weighed_kg == 0


def test_kilos_never_weighed_in_are_pending_then_unexplained(chain, clock):
    _, milano, _ = chain
    pickup(milano, "80", day=30)
    db.session.commit()
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    weighed = balance.hops(follow(NOVEMBER))[0]
    assert weighed.pending_kg == 80 and weighed.status == "pending" and weighed.unexplained == []
    clock.advance(timedelta(days=3))
    weighed = balance.hops(follow(NOVEMBER))[0]
    assert weighed.status == "alert" and [r.kind for r in weighed.unexplained] == ["pickup"]


def test_a_weighbridge_difference_beyond_tolerance_is_explained_by_its_reason(clock):
    plant, bin_ = factories.SortingPlantFactory(), factories.BinFactory()
    batch = intake(plant, [pickup(bin_, "100")], "130", reason="Sacchi bagnati dalla pioggia")
    db.session.commit()
    weighed = balance.hops(follow(NOVEMBER))[0]
    assert weighed.status == "explained" and weighed.unexplained == []
    assert [(r.ref, r.kg, r.reason) for r in weighed.explained] == [
        (batch.lot_code, 30, "Sacchi bagnati dalla pioggia")
    ]
    assert weighed.difference_kg == 30 and weighed.difference_percent == 30


def test_a_difference_recorded_before_reasons_were_asked_is_unexplained(clock):
    plant, bin_ = factories.SortingPlantFactory(), factories.BinFactory()
    batch = intake(plant, [pickup(bin_, "100")], "130", reason="x")
    batch.difference_reason = ""  # as intakes recorded before the 2026-12-03 migration
    db.session.commit()
    weighed = balance.hops(follow(NOVEMBER))[0]
    assert weighed.status == "alert" and [r.ref for r in weighed.unexplained] == [batch.lot_code]


def test_the_page_shows_the_hops_and_refuses_a_reversed_period(client, login_as, chain):
    login_as("coordinator")
    page = client.get("/chain/?start=2026-11-01&end=2026-11-30")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-hop="weighed"' in text and "400,0 kg" in text
    bad = client.get("/chain/?start=2026-11-30&end=2026-11-01")
    assert bad.status_code == 422 and "precede" in bad.get_data(as_text=True)


def test_social_workers_cannot_open_the_chain(client, login_as):
    login_as("social_worker")
    assert client.get("/chain/").status_code == 403


def test_the_forward_trace_of_a_bin_shows_its_share_of_fractions_and_shipments(client, login_as, chain):
    _, milano, _ = chain
    login_as("coordinator")
    assert f"/chain/forward?bin_id={milano.id}" in client.get(f"/bins/{milano.id}").get_data(as_text=True)
    data = client.get(f"/chain/export.json?start=2026-11-01&end=2026-11-30&bin_id={milano.id}").get_json()
    assert data["kg"]["weighed"] == 300 and data["fractions_kg"] == {"recycle_mixed": 150.0, "reuse_b": 147.0}
    shipped = {"destination": "Tessile Riciclo Prato srl", "eer_code": "191208", "operation": "R3", "kg": 75.0}
    assert data["outbound_kg"] == [shipped]
    page = client.get(f"/chain/forward?start=2026-11-01&end=2026-11-30&bin_id={milano.id}").get_data(as_text=True)
    assert 'data-fraction="reuse_b"' in page and "147,0" in page


def test_the_export_is_a_spreadsheet_and_a_bad_filter_is_a_json_error(client, login_as, chain):
    login_as("coordinator")
    csv = client.get("/chain/export.csv?start=2026-11-01&end=2026-11-30")
    assert csv.status_code == 200 and "hop;weighed" in csv.get_data(as_text=True)
    bad = client.get("/chain/export.json?start=2026-11-01&end=2027-12-31")
    assert bad.status_code == 422 and "end" in bad.get_json()["fields"]


def test_an_operator_sees_only_the_kilos_of_its_own_bins(client, login_as, chain):
    _, milano, _ = chain
    user = login_as("operator")
    data = client.get("/chain/export.json?start=2026-11-01&end=2026-11-30").get_json()
    assert data["scope"]["operator_id"] == user.organisation_id and data["kg"]["bins"] == 0
    assert client.get(f"/chain/forward?bin_id={milano.id}").status_code == 404


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, "0", "2147483648"])
def test_a_bin_number_that_is_not_one_is_refused_not_a_server_error(client, login_as, chain, value):
    """Digits ``int`` refuses (``²``), other scripts' digits, numbers too long to convert or to store."""
    login_as("coordinator")

    page = client.get("/chain/forward", query_string={"start": "2026-11-01", "end": "2026-11-30", "bin_id": value})
    data = client.get("/chain/export.json", query_string={"bin_id": value})

    assert page.status_code == 422 and "Contenitore non valido." in page.get_data(as_text=True)
    assert data.status_code == 422 and "bin_id" in data.get_json()["fields"]
