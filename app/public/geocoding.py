"""From what a citizen types to a point: the app's geocoder (app.geo.geocoding) when there is one, else a CAP or
a comune. Without a geocoder no request leaves the server: a comune's name gives the centre of its boundary and
a CAP the centre of the bins registered with it."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.bins.models import Bin
from app.extensions import db
from app.geo.geocoding import GeocoderUnavailable, Place, comune_named, search

CAP = re.compile(r"\b(2\d{4})\b")  # the metropolitan area's CAPs start with 2

__all__ = ["Place", "local_lookup", "locate"]


def _by_cap(cap: str) -> Place | None:
    row = db.session.execute(select(func.avg(Bin.lon), func.avg(Bin.lat)).where(Bin.cap == cap)).one()
    return Place(cap, float(row[0]), float(row[1])) if row[0] is not None else None


def local_lookup(text: str) -> Place | None:
    """A CAP or a comune of the metropolitan area named in ``text``."""
    cap = CAP.search(text)
    return (_by_cap(cap.group(1)) if cap else None) or comune_named(text)


def locate(text: str) -> Place | None:
    """The geocoder's first answer, else the local lookup's (also when the geocoder does not answer)."""
    try:
        found = search(text, limit=1)
    except GeocoderUnavailable:
        found = []
    return found[0] if found else local_lookup(text)
