"""The one source of "now" and "today": times are stored in UTC and lived in Europe/Rome.

Every module asks this clock (``utcnow()``, ``local_today()``...), never ``datetime.now`` or
``date.today()`` (the server's date, not Milan's). Tests replace the source with
``set_source`` (the ``clock`` fixture does it), so a faked time reaches services, model column
defaults and the requests of the test client alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def set_source(source: Callable[[], datetime] | None) -> None:
    """Take "now" from ``source`` (an aware datetime each call) from here on; ``None`` restores the system clock.

    For tests: it is process-wide, so it also reaches requests served in other contexts or threads.
    """
    global _source
    _source = source or _system_now


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return _source().astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """An aware moment on a Milan wall clock (aware, Europe/Rome)."""
    return moment.astimezone(ROME)


def local_now() -> datetime:
    return to_local(utcnow())


def local_today(now: datetime | None = None) -> date:
    """The date in Milan now (or at ``now``)."""
    return to_local(now or utcnow()).date()


def local_minute() -> datetime:
    """Now on a Milan wall clock, to the minute and naive: what a datetime-local input shows."""
    return local_now().replace(second=0, microsecond=0, tzinfo=None)


def wall_minute(moment: datetime) -> datetime:
    """An aware moment as a naive Milan wall-clock time to the minute (to fill a datetime-local input)."""
    return to_local(moment).replace(tzinfo=None, second=0, microsecond=0)


@overload
def from_local(value: datetime) -> datetime: ...
@overload
def from_local(value: None) -> None: ...
def from_local(value: datetime | None) -> datetime | None:
    """A time typed in a datetime-local input (naive: Milan wall clock) as an aware UTC datetime.

    An aware value is only converted to UTC.
    """
    if value is None:
        return None
    return (value.replace(tzinfo=ROME) if value.tzinfo is None else value).astimezone(UTC)


def local_datetime(day: date, wall: time) -> datetime:
    """A wall-clock time of a Milan day, aware (Europe/Rome)."""
    return datetime.combine(day, wall, ROME)


def local_midnight(day: date) -> datetime:
    """Midnight of a Milan day, as an aware UTC datetime."""
    return local_datetime(day, time(0)).astimezone(UTC)


def seconds_of_day(day: date, wall: time) -> int:
    """Seconds from local midnight to a wall-clock time of the day (DST-safe)."""
    return int((local_datetime(day, wall) - local_datetime(day, time(0))).total_seconds())


def at_second(day: date, seconds: int) -> datetime:
    """The moment ``seconds`` after local midnight of ``day``, as an aware UTC datetime."""
    return local_midnight(day) + timedelta(seconds=seconds)


def local_hhmm(moment: datetime | None) -> str:
    """Hours and minutes of an aware moment on a Milan wall clock, as on a route sheet ("" for none)."""
    return f"{to_local(moment):%H:%M}" if moment else ""
