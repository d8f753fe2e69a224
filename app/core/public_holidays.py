"""Italy's public holidays: the planning pages name them, and a vehicle goes out on one only if it works holidays
(``Vehicle.works_holidays``; a comune's patron day is not national: the coordinator ticks it as a day without
rounds)."""

from __future__ import annotations

from datetime import date

import holidays
from flask_babel import get_locale


def holiday_names(first: date, last: date) -> dict[date, str]:
    """The national public holidays from ``first`` to ``last``, named in the user's language."""
    if last < first:
        return {}
    language = "it_IT" if str(get_locale() or "it").startswith("it") else "en_US"
    calendar = holidays.country_holidays("IT", years=range(first.year, last.year + 1), language=language)
    return {day: str(name) for day, name in sorted(calendar.items()) if first <= day <= last}
