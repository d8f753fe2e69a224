"""``build_network`` end to end on recorded Overpass / Nominatim responses (no socket is opened)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest
import requests
from shapely.geometry import box, mapping

from routing.__main__ import main
from routing.errors import NetworkDownloadError
from routing.network import build_network, load_network
from routing.settings import RoutingSettings

FIXTURE = Path(__file__).parent / "fixtures" / "overpass_milano_centro_highways.json.gz"
AREA = box(9.1923, 45.4579, 9.1989, 45.4626)  # bbox of the recorded Milan extract


def response(payload: Any, url: str) -> requests.Response:
    reply = requests.Response()
    reply.status_code, reply.url, reply.encoding = 200, url, "utf-8"
    reply.headers["Content-Type"] = "application/json"
    reply._content = json.dumps(payload).encode()
    return reply


@pytest.fixture()
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Serve the recorded responses instead of the internet; returns the URLs requested."""
    calls: list[str] = []
    overpass = json.loads(gzip.decompress(FIXTURE.read_bytes()))
    nominatim = [
        {
            "place_id": 1,
            "osm_type": "relation",
            "osm_id": 44915,
            "lat": "45.460",
            "lon": "9.195",
            "boundingbox": ["45.4579", "45.4626", "9.1923", "9.1989"],
            "class": "boundary",
            "type": "administrative",
            "place_rank": 16,
            "importance": 0.8,
            "addresstype": "city",
            "name": "Centro",
            "display_name": "Centro, Milano, Lombardia, Italia",
            "geojson": mapping(AREA),
        }
    ]

    def post(url: str, **_: Any) -> requests.Response:
        calls.append(url)
        return response(overpass, url)

    def get(url: str, **_: Any) -> requests.Response:
        calls.append(url)
        if url.endswith("/status"):  # Overpass slot status: no pause needed
            reply = response(None, url)
            reply._content = (
                b"Connected as: 1\nCurrent time: 2026-11-25T00:00:00Z\nAnnounced endpoint: none\n"
                b"Rate limit: 2\n2 slots available now.\nCurrently running queries:\n"
            )
            return reply
        return response(nominatim, url)

    monkeypatch.setattr(requests, "post", post)
    monkeypatch.setattr(requests, "get", get)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    return calls


def test_build_network_for_a_polygon(recorded: list[str], tmp_path: Path) -> None:
    settings = RoutingSettings(cache_dir=tmp_path, keep_largest_scc=False)
    before = list(ox.settings.useful_tags_way)
    network = build_network(polygon=AREA, settings=settings)
    assert ox.settings.useful_tags_way == before  # osmnx settings restored
    assert [url.rsplit("/", 1)[-1] for url in recorded] == ["status", "interpreter"]
    assert network.node_count > 20 and network.report["source"] == "polygon"
    lon, lat = network.compact.node_lon, network.compact.node_lat
    assert (lon.min() > 9.19) and (lat.max() < 45.465)
    names = set(network.compact.names.tolist())
    assert "Via Larga" in names or "Corso di Porta Romana" in names


def test_build_network_for_a_place_and_cli(recorded: list[str], tmp_path: Path) -> None:
    settings = RoutingSettings(cache_dir=tmp_path, keep_largest_scc=False)
    network = build_network(place="Centro, Milano", settings=settings)
    assert any("nominatim" in url for url in recorded) and network.edge_count > 0
    geojson = tmp_path / "area.geojson"
    geojson.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(AREA)}))
    out = tmp_path / "area.npz"
    assert main(["build-network", "--polygon", str(geojson), "--out", str(out), "--cache-dir", str(tmp_path)]) == 0
    assert load_network(out).node_count > 0


def test_download_failure_is_reported(recorded: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(url: str, **_: Any) -> requests.Response:
        raise requests.ConnectionError(f"no route to {url}")

    monkeypatch.setattr(requests, "post", refuse)
    with pytest.raises(NetworkDownloadError, match="polygon"):
        build_network(polygon=AREA, settings=RoutingSettings(cache_dir=tmp_path))
