"""Untrusted input checked once, before it reaches the database: ids, query integers, JSON bodies, text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, request
from flask import Request as FlaskRequest
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from app.errors import DomainError, ValidationError

# Every id column is a PostgreSQL ``integer``: a larger number raises an overflow there (SQLite just finds nothing).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Numbers typed in a form or a file stay below this: kilos, litres and prices are far smaller, and a larger number
#: (``9`` × 5,000, ``1e999``) would overflow the decimal arithmetic and the database columns downstream.
LARGEST_DECIMAL = Decimal(10) ** 12
# No pickup, reading or forecast of this service is older or later; outside, dates only break arithmetic.
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
MAX_JSON_DEPTH = 16  # the deepest body the API reads is 2 levels; this leaves room and refuses abuse
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class InvalidJSON(DomainError):
    status = 400
    code = "invalid_json"


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: only numbers an id column can hold; a larger one matches no route (404)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(*args, **kwargs)


class Request(FlaskRequest):
    """Query parameters without NUL characters: a filter never carries one to the database."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        raw = FlaskRequest.args.fget(self)  # type: ignore[attr-defined]
        return ImmutableMultiDict([(k.replace("\x00", ""), v.replace("\x00", "")) for k, v in raw.items(multi=True)])


#: How much of a value a message quotes back: enough to find it in the file, not a page of it.
QUOTED_CHARS = 40


def excerpt(value: object) -> str:
    """``value`` as a message quotes it: its first :data:`QUOTED_CHARS` characters, then "…" if there is more."""
    text = str(value)
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (a NUL character, half a UTF-16 pair), or None."""
    if "\x00" in value:
        return _("Il testo contiene un carattere nullo (NUL), che non è ammesso.")
    if _SURROGATE.search(value):
        return _("Il testo contiene caratteri Unicode non validi (surrogati isolati).")
    return None


def check_text(value: str, field: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, field=field)
    return value


def bounded_int(value: int, field: str, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int:
    if not minimum <= value <= maximum:
        message = _("Numero fuori dall'intervallo ammesso (da %(lo)d a %(hi)d).", lo=minimum, hi=maximum)
        raise ValidationError(message, field=field)
    return value


def plausible_moment(moment: datetime, field: str) -> datetime:
    """An aware time from 2000 to 2099 (year 1 at +23:59 does not even convert to UTC: OverflowError)."""
    try:
        utc: datetime | None = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValidationError(_("Data fuori dall'intervallo ammesso (dal 2000 al 2099)."), field=field)
    return moment


def int_arg(name: str, default: int | None = None) -> int | None:
    """An integer query parameter: text that is no number is ignored, a number no id can be is a 422."""
    raw = request.args.get(name, "").strip()
    digits = raw[1:] if raw[:1] in ("+", "-") else raw
    if not digits.isdecimal():
        return default
    # int() of thousands of digits is slow and then refused: anything this long is out of range anyway
    return bounded_int(int(raw) if len(digits) <= 20 else INT_MAX + 1, name)


def whole_number(text: str, most: int = INT_MAX) -> int | None:
    """``text`` (a form's field) as a whole number from 0 to ``most`` when it is written in digits 0-9 only, else
    None: ``str.isdigit`` alone lets through characters ``int`` refuses (``"²"``) and numbers too long to convert."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(most)):
        return None
    value = int(text)
    return value if value <= most else None


def loads_strict(data: bytes | str) -> Any:
    """A JSON document, refused whole (400) when malformed or too deep; bad text names its path (422)."""
    try:
        value = json.loads(data)
    except RecursionError as error:
        raise InvalidJSON(_("JSON annidato troppo in profondità."), field="body") from error
    except ValueError as error:
        raise InvalidJSON(_("Il corpo della richiesta non è JSON valido."), field="body") from error
    _check_tree(value, "", 0)
    return value


def _check_tree(value: Any, path: str, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise InvalidJSON(_("JSON annidato troppo in profondità."), field=path or "body")
    if isinstance(value, str):
        check_text(value, path or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, path or "body")
            _check_tree(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_tree(item, f"{path}[{index}]", depth + 1)


def json_body() -> Any:
    """The request's JSON body parsed strictly (once per request); None when the request is not JSON."""
    if not request.is_json:
        return None
    if "strict_json" not in g:
        g.strict_json = loads_strict(request.get_data(cache=True))
    return g.strict_json


def _refuse_bad_form_text() -> None:
    """A submitted form field with a NUL character is refused before any view reads it."""
    if request.method not in _UNSAFE_METHODS or request.mimetype not in _FORM_TYPES:
        return
    for name, value in request.form.items(multi=True):
        check_text(name, "form")
        check_text(value, name)


def init_app(app: Flask) -> None:
    """Bounded ids in URLs, NUL-free query strings and refused NUL form fields, for every route."""
    app.request_class = Request
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_bad_form_text)
