"""Geocoders answering from recorded responses (tests never touch the network).

The files in ``recorded/`` have the shape of the servers' answers (Nominatim's ``format=json`` with
``addressdetails``, Photon's GeoJSON) for the queries named in RECORDINGS; any other query finds nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderTimedOut

from app.geo.geocoding import GeopyGeocoder

HERE = Path(__file__).parent / "recorded"
RECORDINGS = {
    ("nominatim", "via padova 21, milano"): "nominatim_via_padova_21_milano.json",
    ("nominatim", "via padova 21 20127"): "nominatim_via_padova_21_milano.json",
    ("nominatim", "via de amicis, rho"): "nominatim_via_de_amicis_rho.json",
    ("photon", "via padova 21, milano"): "photon_via_padova_21_milano.json",
}
TIMES_OUT = "server giù"


class RecordedAdapter(BaseSyncAdapter):
    """geopy's HTTP adapter, answering from the files; every request is kept in ``sent``."""

    sent: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        self.sent.append((url, dict(headers)))
        parts = urlsplit(url)
        provider = "nominatim" if parts.path.endswith("/search") else "photon"
        query = parse_qs(parts.query)["q"][0]
        if query.startswith(TIMES_OUT):
            raise GeocoderTimedOut("Service timed out")
        name = RECORDINGS.get((provider, query.lower()))
        if name is None:
            return [] if provider == "nominatim" else {"type": "FeatureCollection", "features": []}
        return json.loads((HERE / name).read_text(encoding="utf-8"))

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise AssertionError("the geocoders read JSON only")


def recorded_geocoder(provider: str = "nominatim") -> GeopyGeocoder:
    RecordedAdapter.sent.clear()
    return GeopyGeocoder(
        provider, f"https://{provider}.example.org", "FIT-MI tests", 0, 5, adapter_factory=RecordedAdapter
    )
