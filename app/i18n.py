"""Locale selection, Italian number/date formatting, and locale-aware number input."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import get_day_names
from babel.numbers import NumberFormatError, parse_decimal
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user


def select_locale() -> str:
    """The user's preference, else a language chosen on the login page, else Italian."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def parse_number(text: str) -> Decimal:
    """A number typed by a person: ``1.234,5`` (Italian) or ``1234.5``; ValueError otherwise."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        raise ValueError("empty")
    for locale in (str(get_locale() or "it"), "it", "en"):
        try:
            return parse_decimal(cleaned, locale=locale, strict=True)
        except NumberFormatError:
            continue
    raise ValueError(cleaned)


def fmt_number(value: Any, decimals: int = 1) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern))


def fmt_signed(value: Any, decimals: int = 0) -> str:
    """A change with its sign, in the same format as ``num``: ``+1.200``, ``-3``."""
    text = fmt_number(value, decimals)
    return "+" + text if value is not None and value > 0 else text


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return str(format_datetime(value, "dd/MM/yyyy"))
    return str(format_date(value, "dd/MM/yyyy"))


def fmt_weekday_date(value: date) -> str:
    """A day with its weekday: ``mar 08/12/2026``."""
    return str(format_date(value, "EEE dd/MM/yyyy"))


def weekday_names(width: str = "abbreviated") -> list[str]:
    """The weekdays in the user's language, Monday first (``lun``, ``mar``, …)."""
    names = get_day_names(width, locale=str(get_locale() or "it"))
    return [str(names[d]) for d in range(7)]


def fmt_weekdays(mask: int) -> str:
    """A weekday mask (bit d = weekday d, Monday = 0) in words, runs of three days or more joined: ``lun–ven, dom``."""
    names, runs, d = weekday_names(), [], 0
    while d < 7:
        if mask >> d & 1:
            end = d
            while end + 1 < 7 and mask >> (end + 1) & 1:
                end += 1
            runs.append(f"{names[d]}–{names[end]}" if end - d >= 2 else ", ".join(names[d : end + 1]))
            d = end + 1
        else:
            d += 1
    return ", ".join(runs) or "–"


def fmt_datetime(value: datetime | None) -> str:
    return "–" if value is None else str(format_datetime(value, "dd/MM/yyyy HH:mm"))


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["num"] = fmt_number
    app.jinja_env.filters["signed"] = fmt_signed
    app.jinja_env.filters["date_it"] = fmt_date
    app.jinja_env.filters["weekday_date"] = fmt_weekday_date
    app.jinja_env.filters["weekdays"] = fmt_weekdays
    app.jinja_env.globals["weekday_names"] = weekday_names
    app.jinja_env.filters["datetime_it"] = fmt_datetime
