"""From an address to a point: one geocoder (Nominatim or Photon, through geopy) for every form and page.

The geocoder is chosen by the settings (``GEOCODER``, ``GEOCODER_URL``, ``GEOCODER_USER_AGENT``) and
kept in ``app.extensions["geocoder"]``; without one, no request leaves the server and only the names
of the comuni are found. The usage policy of the public servers is kept: one request per
``GEOCODER_MIN_DELAY_S`` per process (divided among the web processes), an identifying user agent,
and every answer kept in the database for ``GEOCODER_CACHE_DAYS`` days.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import shapely
from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.errors import DomainError
from app.extensions import db
from app.geo.models import Comune, GeocodeAnswer
from app.geo.services import area_bounds

DEFAULT_URLS = {"nominatim": "https://nominatim.openstreetmap.org", "photon": "https://photon.komoot.io"}
MAX_QUERY = 200


@dataclass(frozen=True)
class Place:
    """A point found for some text, with the parts of its address the geocoder knew."""

    label: str
    lon: float
    lat: float
    street: str = ""
    civic: str = ""
    cap: str = ""


class Geocoder(Protocol):
    name: str

    def search(self, text: str, limit: int, bounds: tuple[float, float, float, float] | None) -> list[Place]: ...


class GeocoderUnavailable(DomainError):
    status = 503
    code = "geocoder_unavailable"


class GeopyGeocoder:
    """Nominatim or Photon through geopy, one request at a time with the configured pause between them."""

    def __init__(
        self,
        provider: str,
        url: str,
        user_agent: str,
        min_delay_s: float,
        timeout_s: float,
        adapter_factory: Any = None,
    ) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim, Photon

        if provider not in DEFAULT_URLS:
            raise RuntimeError(f"GEOCODER must be nominatim or photon, not {provider!r}")
        parts = urlsplit(url or DEFAULT_URLS[provider])
        options: dict[str, Any] = {
            "domain": parts.netloc + parts.path.rstrip("/"),
            "scheme": parts.scheme or "https",
            "user_agent": user_agent,
            "timeout": timeout_s,
        }
        if adapter_factory is not None:
            options["adapter_factory"] = adapter_factory
        self.name = f"{provider}:{parts.netloc}{parts.path.rstrip('/')}"
        self.provider = provider
        client = (Nominatim if provider == "nominatim" else Photon)(**options)
        self._geocode = RateLimiter(
            client.geocode, min_delay_seconds=min_delay_s, max_retries=0, swallow_exceptions=False
        )

    def search(self, text: str, limit: int, bounds: tuple[float, float, float, float] | None) -> list[Place]:
        from geopy.point import Point

        options: dict[str, Any] = {"exactly_one": False, "limit": limit}
        box = [Point(bounds[3], bounds[0]), Point(bounds[1], bounds[2])] if bounds else None
        if self.provider == "nominatim":
            options |= {"addressdetails": True, "language": "it", "country_codes": "it"}
            options |= {"viewbox": box, "bounded": box is not None}
        else:  # Photon's default language is the local names' (Italian here); its public server knows no «it»
            options |= {"bbox": box}
        found = self._geocode(text, **options) or []
        return [self._place(location) for location in found]

    def _place(self, location: Any) -> Place:
        raw = location.raw
        if self.provider == "nominatim":
            address = raw.get("address") or {}
            street, civic, cap = address.get("road", ""), address.get("house_number", ""), address.get("postcode", "")
        else:
            props = raw.get("properties") or {}
            street, civic, cap = props.get("street", ""), props.get("housenumber", ""), props.get("postcode", "")
        return Place(str(location.address), location.longitude, location.latitude, street, civic, cap)


def init_app(app: Flask) -> None:
    """Build the geocoder the settings name (none by default: no request leaves the server)."""
    config = app.config
    provider = (config.get("GEOCODER") or "").strip().lower()
    if provider in ("", "none", "off"):
        return
    processes = max(1, int(config.get("FITMI_WEB_PROCESSES", 1)))
    app.extensions["geocoder"] = GeopyGeocoder(
        provider,
        config.get("GEOCODER_URL") or "",
        config["GEOCODER_USER_AGENT"],
        # The policy's one request per second is the server's; each process waits its share.
        float(config["GEOCODER_MIN_DELAY_S"]) * processes,
        float(config["GEOCODER_TIMEOUT_S"]),
    )


def configured() -> Geocoder | None:
    geocoder: Geocoder | None = current_app.extensions.get("geocoder")
    return geocoder


def _key(geocoder: Geocoder, text: str, limit: int) -> str:
    return hashlib.sha256(f"{geocoder.name}|{limit}|{text.lower()}".encode()).hexdigest()


def _remember(key: str, text: str, places: list[Place], old: GeocodeAnswer | None, cutoff: datetime) -> None:
    """Keep the answer; answers older than ``cutoff`` go (the addresses searched are not kept longer)."""
    payload = json.dumps([asdict(p) for p in places])
    db.session.execute(delete(GeocodeAnswer).where(GeocodeAnswer.fetched_at <= cutoff, GeocodeAnswer.key != key))
    if old is not None:
        old.places_json, old.fetched_at = payload, utcnow()
        return
    try:
        with db.session.begin_nested():  # another request may have stored the same answer meanwhile
            db.session.add(GeocodeAnswer(key=key, query=text, places_json=payload, fetched_at=utcnow()))
    except IntegrityError:
        pass


def search(text: str, limit: int = 5) -> list[Place]:
    """Places for an address typed by a person, from the cache or the configured geocoder ([] without one).

    Raises GeocoderUnavailable when the geocoder does not answer.
    """
    from geopy.exc import GeopyError

    geocoder = configured()
    text = " ".join(text.split())[:MAX_QUERY]
    if geocoder is None or not text:
        return []
    key = _key(geocoder, text, limit)
    cached = db.session.get(GeocodeAnswer, key)
    cutoff = utcnow() - timedelta(days=int(current_app.config["GEOCODER_CACHE_DAYS"]))
    if cached is not None and cached.fetched_at > cutoff:
        return [Place(**p) for p in json.loads(cached.places_json)]
    try:
        places = geocoder.search(text, limit, area_bounds())
    except GeopyError as error:
        current_app.logger.warning("geocoder %s failed: %s", geocoder.name, error)
        raise GeocoderUnavailable(
            _("La ricerca degli indirizzi non risponde: metti il segnaposto sulla mappa o riprova più tardi.")
        ) from error
    _remember(key, text, places, cached, cutoff)
    return places


def folded(text: str) -> str:
    """Lower case without accents or punctuation: «Cinisello-Balsamo» matches «cinisello balsamo»."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def comune_named(text: str) -> Place | None:
    """The centre of the comune named in ``text`` (the whole text, else the longest name inside it)."""
    wanted = folded(text)
    if not wanted:
        return None
    names = db.session.execute(select(Comune.istat_code, Comune.name)).all()
    # «Via Roma 3, Rho» → Rho
    found = [(code, name) for code, name in names if folded(name) == wanted] or sorted(
        ((code, name) for code, name in names if f" {folded(name)} " in f" {wanted} "), key=lambda r: -len(r[1])
    )
    if not found:
        return None
    comune = db.session.get(Comune, found[0][0])
    assert comune is not None
    centre = shapely.from_wkb(comune.boundary_wkb).representative_point()
    return Place(comune.name, centre.x, centre.y)
