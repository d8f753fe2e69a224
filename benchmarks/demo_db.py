"""The demo database of the benchmarks: ``flask demo`` into a temporary SQLite file, approximate mode."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@contextmanager
def demo_app() -> Iterator[Any]:
    """A Flask app on a fresh demo database (no road network, CSRF and rate limits off), inside its app context."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import build_demo
    from app.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "SECRET_KEY": "bench",
                "ROUNDS_WORKER": "external",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "ROAD_NETWORK_FILE": None,
            }
        )
        with app.app_context():
            upgrade()
            build_demo()
            db.session.commit()
            yield app
            db.session.remove()
