"""One clock for the whole app: Milan's date and wall clock, and a source tests can move."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from app.core.clock import from_local, local_midnight, local_minute, local_today, seconds_of_day, utcnow
from app.extensions import db
from tests.app.factories import BinFactory

SUMMER_NIGHT = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July in Milan (UTC+2)


def test_today_is_milans_date_not_the_servers(clock):
    clock.set(SUMMER_NIGHT)
    assert local_today() == date(2026, 7, 1)
    assert local_minute() == datetime(2026, 7, 1, 0, 30)


def test_a_typed_wall_clock_time_is_milan_time():
    assert from_local(datetime(2026, 1, 15, 8, 0)) == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert from_local(datetime(2026, 7, 15, 8, 0)) == datetime(2026, 7, 15, 6, 0, tzinfo=UTC)
    assert local_midnight(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert seconds_of_day(date(2026, 3, 29), time(6, 30)) == 6 * 3600 + 30 * 60  # wall clock, on the DST day too


def test_the_fake_clock_moves_only_when_told(clock):
    start = utcnow()
    assert utcnow() == start
    clock.advance(timedelta(hours=3))
    assert utcnow() == start + timedelta(hours=3)


def test_the_fake_clock_reaches_column_defaults(clock):
    clock.set(SUMMER_NIGHT)
    bin_ = BinFactory()
    db.session.flush()
    assert bin_.created_at == SUMMER_NIGHT


def test_the_fake_clock_reaches_test_client_requests(client, login_as, clock):
    clock.set(SUMMER_NIGHT)
    login_as("driver")
    html = client.get("/collection/pickups/new").get_data(as_text=True)
    assert 'value="2026-07-01T00:30"' in html
