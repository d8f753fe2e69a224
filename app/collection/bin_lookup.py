"""Finding the bin of a pickup on the phone: suggestions as the code is typed, and the bin of a scanned QR code.

A bin carries two QR stickers: the staff one opens the pickup form (``…/collection/pickups/new?code=…``),
the citizens' one its public page (``…/pubblico/contenitori/<public_code>``). A driver may scan either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.bins.models import Bin, BinStatus
from app.bins.services import scope
from app.extensions import db

MAX_SUGGESTIONS = 10
_PUBLIC_PATH = re.compile(r"/pubblico/contenitori/([A-Za-z0-9_-]{1,16})/?$")
_WORD = re.compile(r"^[A-Za-z0-9_\-/.]{1,32}$")


@dataclass(frozen=True)
class BinChoice:
    """What the form needs of a bin: its code, its operator (codes are unique per operator) and where it is."""

    code: str
    operator_id: int
    operator: str
    address: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "operator": self.operator_id,
            "operator_name": self.operator,
            "address": self.address,
        }


def _loggable(user: User) -> Select[Any]:
    """Active bins the user may see (a pickup is logged only at an active bin)."""
    query = select(Bin).where(Bin.status == BinStatus.ACTIVE).options(joinedload(Bin.operator), joinedload(Bin.comune))
    return scope(query, user)


def _choice(bin_: Bin) -> BinChoice:
    return BinChoice(bin_.code, bin_.operator_id, bin_.operator.name, bin_.address)


def suggestions(user: User, typed: str) -> list[BinChoice]:
    """Bins whose code starts with what was typed (any case), then those that contain it."""
    text = typed.strip().upper()[:32]
    if not text:
        return []
    like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = _loggable(user).where(func.upper(Bin.code).like(f"%{like}%", escape="\\"))
    found = list(db.session.scalars(query.order_by(Bin.code, Bin.id).limit(200)))
    found.sort(key=lambda b: (not b.code.startswith(text), b.code))
    return [_choice(b) for b in found[:MAX_SUGGESTIONS]]


def _from_pickup_link(query_string: str) -> tuple[str, int | None] | None:
    values = parse_qs(query_string)
    code = (values.get("code") or [""])[0].strip().upper()
    if not code:
        return None
    operator = (values.get("operator") or [""])[0]
    return code, int(operator) if operator.isdecimal() and len(operator) < 10 else None


def scanned_bin(user: User, text: str) -> BinChoice | None:
    """The bin a scanned QR code names (pickup link, public page link, public code or bin code), if the user
    may log a pickup there; None otherwise."""
    text = text.strip()[:500]
    parts = urlsplit(text)
    query = _loggable(user)
    pickup = _from_pickup_link(parts.query) if parts.query else None
    public = _PUBLIC_PATH.search(parts.path) if parts.scheme else None
    if pickup is not None:
        code, operator_id = pickup
        query = query.where(Bin.code == code)
        query = query if operator_id is None else query.where(Bin.operator_id == operator_id)
    elif public is not None:
        query = query.where(Bin.public_code == public.group(1))
    elif _WORD.match(text):
        query = query.where((Bin.public_code == text) | (Bin.code == text.upper()))
    else:
        return None
    found = list(db.session.scalars(query.limit(2)))
    return _choice(found[0]) if len(found) == 1 else None
