"""From what a citizen types to a point: a configured geocoder when there is one, else a comune or a CAP.

The seam: ``app.extensions["public_geocoder"]`` may hold any callable ``(text) -> Place | None`` (a
Nominatim or Photon client, for instance). Without one, a comune's name gives the centre of its
boundary and a CAP the centre of the bins registered with it: no request leaves the server.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import shapely
from flask import current_app
from sqlalchemy import func, select

from app.bins.models import Bin
from app.extensions import db
from app.geo.models import Comune

CAP = re.compile(r"\b(2\d{4})\b")  # the metropolitan area's CAPs start with 2


@dataclass(frozen=True)
class Place:
    label: str
    lon: float
    lat: float


Geocoder = Callable[[str], "Place | None"]


def _folded(text: str) -> str:
    """Lower case without accents or punctuation: «Cinisello-Balsamo» matches «cinisello balsamo»."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def _by_cap(cap: str) -> Place | None:
    row = db.session.execute(select(func.avg(Bin.lon), func.avg(Bin.lat)).where(Bin.cap == cap)).one()
    return Place(cap, float(row[0]), float(row[1])) if row[0] is not None else None


def _by_comune(text: str) -> Place | None:
    wanted = _folded(text)
    if not wanted:
        return None
    names = db.session.execute(select(Comune.istat_code, Comune.name)).all()
    # the whole text, else the longest comune named inside it («Via Roma 3, Rho» → Rho)
    found = [(code, name) for code, name in names if _folded(name) == wanted] or sorted(
        ((code, name) for code, name in names if f" {_folded(name)} " in f" {wanted} "), key=lambda r: -len(r[1])
    )
    if not found:
        return None
    comune = db.session.get(Comune, found[0][0])
    assert comune is not None
    centre = shapely.from_wkb(comune.boundary_wkb).representative_point()
    return Place(comune.name, centre.x, centre.y)


def local_lookup(text: str) -> Place | None:
    """A CAP or a comune of the metropolitan area named in ``text``."""
    cap = CAP.search(text)
    return (_by_cap(cap.group(1)) if cap else None) or _by_comune(text)


def locate(text: str) -> Place | None:
    """The configured geocoder's answer, else the local lookup's."""
    configured: Geocoder | None = current_app.extensions.get("public_geocoder")
    if configured is not None:
        found = configured(text)
        if found is not None:
            return found
    return local_lookup(text)
