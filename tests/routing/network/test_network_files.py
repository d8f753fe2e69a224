"""Loading networks from files: formats, the compact cache, and bad input."""

from __future__ import annotations

import bz2
from pathlib import Path

import numpy as np
import osmium
import pytest

import routing.network.api as api
import routing.network.compact as compact
from routing.__main__ import main
from routing.errors import NetworkFileError
from routing.network import RoadNetwork, load_network, travel_matrix
from routing.settings import RoutingSettings


def to_pbf(source: Path, target: Path) -> Path:
    """Copy an OSM file to PBF with pyosmium (nodes, then ways, then relations)."""
    with osmium.SimpleWriter(str(target)) as writer:
        for kind in (osmium.osm.NODE, osmium.osm.WAY, osmium.osm.RELATION):
            for obj in osmium.FileProcessor(str(source), kind):
                writer.add(obj)
    return target


def test_pbf_gives_the_same_network_as_xml(milan_path: Path, tmp_path: Path) -> None:
    settings = RoutingSettings(cache_dir=tmp_path / "cache")
    from_xml = load_network(milan_path, settings)
    from_pbf = load_network(to_pbf(milan_path, tmp_path / "milano.osm.pbf"), settings)
    assert from_pbf.content_hash == from_xml.content_hash
    assert from_pbf.node_count == from_xml.node_count > 0


def test_plain_xml_and_graphml(milan_path: Path, tmp_path: Path) -> None:
    plain = tmp_path / "milano.osm"
    plain.write_bytes(bz2.decompress(milan_path.read_bytes()))
    settings = RoutingSettings(cache_dir=tmp_path / "cache")
    assert load_network(plain, settings).content_hash == load_network(milan_path, settings).content_hash


def test_second_load_comes_from_the_cache(milan_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = RoutingSettings(cache_dir=tmp_path)
    first = load_network(milan_path, settings)
    assert len(list(tmp_path.glob("network-*.npz"))) == 1

    def no_build(*_: object) -> None:
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(api, "graph_from_file", no_build)
    second = load_network(milan_path, settings)
    assert second.content_hash == first.content_hash
    assert np.array_equal(second.compact.head, first.compact.head)
    assert second.compact.names.tolist() == first.compact.names.tolist()


def test_other_truck_settings_get_their_own_cache_entry(milan_path: Path, tmp_path: Path) -> None:
    load_network(milan_path, RoutingSettings(cache_dir=tmp_path))
    load_network(milan_path, RoutingSettings(cache_dir=tmp_path, truck_max_speed_kph=20))
    assert len(list(tmp_path.glob("network-*.npz"))) == 2


def test_failed_cache_write_leaves_nothing(milan_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_write(handle: object, **arrays: object) -> None:
        handle.write(b"PK\x03\x04 partial")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(compact.np, "savez", half_write)
    network = load_network(milan_path, RoutingSettings(cache_dir=tmp_path))  # still usable
    assert network.node_count > 0
    assert list(tmp_path.iterdir()) == []


def test_corrupt_cache_file_is_rebuilt(milan_path: Path, tmp_path: Path) -> None:
    settings = RoutingSettings(cache_dir=tmp_path)
    good = load_network(milan_path, settings)
    (cached,) = tmp_path.glob("network-*.npz")
    cached.write_bytes(cached.read_bytes()[:1000])
    with pytest.raises(NetworkFileError, match=str(cached)):
        RoadNetwork.load(cached)
    assert load_network(milan_path, settings).content_hash == good.content_hash


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.osm", b""),
        ("empty.osm.pbf", b""),
        ("garbage.osm.pbf", b"\x00\x00\x00\x0dnot a pbf at all"),
        ("broken.osm", b"<osm version='0.6'><node id='1' lat='45.4' lon="),
        ("broken.graphml", b"<graphml><graph edgedefault='directed'><node id='1'/>"),
        ("broken.graphml.gz", b"not gzip"),
        ("roads.shp", b"unsupported"),
        ("network.npz", b"not a zip"),
    ],
)
def test_bad_files_raise_network_file_error_naming_the_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NetworkFileError, match=name.replace(".", r"\.")):
        load_network(path, RoutingSettings(cache_dir=tmp_path / "cache"))
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError, match=r"nowhere\.osm.*no such file"):
        load_network(tmp_path / "nowhere.osm", RoutingSettings(cache_dir=tmp_path))


def test_pbf_without_drivable_roads(tmp_path: Path) -> None:
    path = tmp_path / "footpaths.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for i in range(3):
            writer.add_node(osmium.osm.mutable.Node(id=i + 1, location=(9.19 + i * 0.001, 45.46)))
        writer.add_way(osmium.osm.mutable.Way(id=1, nodes=[1, 2, 3], tags={"highway": "footway"}))
        writer.add_way(osmium.osm.mutable.Way(id=2, nodes=[1, 3], tags={"highway": "primary", "access": "no"}))
    with pytest.raises(NetworkFileError, match=r"footpaths\.osm\.pbf: no drivable roads"):
        load_network(path, RoutingSettings(cache_dir=tmp_path / "cache"))


def test_hgv_and_weight_limits_drop_ways(tmp_path: Path) -> None:
    path = tmp_path / "limits.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for i in range(4):
            writer.add_node(osmium.osm.mutable.Node(id=i + 1, location=(9.19 + i * 0.001, 45.46)))
        road = {"highway": "residential", "name": "Via Libera"}
        writer.add_way(osmium.osm.mutable.Way(id=1, nodes=[1, 2], tags=road))
        writer.add_way(osmium.osm.mutable.Way(id=2, nodes=[2, 3], tags={**road, "hgv": "no"}))
        writer.add_way(osmium.osm.mutable.Way(id=3, nodes=[3, 4], tags={**road, "maxweight": "3.5"}))
    settings = RoutingSettings(cache_dir=tmp_path / "cache", keep_largest_scc=False, max_weight_t=12)
    assert load_network(path, settings).edge_count == 2  # only Via Libera 1–2, both ways
    light = RoutingSettings(cache_dir=tmp_path / "cache", keep_largest_scc=False)
    assert load_network(path, light).edge_count == 4


def test_cli_builds_a_compact_file(milan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "milano.npz"
    status = main(["build-network", "--source", str(milan_path), "--out", str(out), "--cache-dir", str(tmp_path)])
    assert status == 0 and "OpenStreetMap contributors" in capsys.readouterr().out
    network = load_network(out)
    assert network.content_hash == load_network(milan_path, RoutingSettings(cache_dir=tmp_path)).content_hash
    points = [(network.compact.node_lon[i], network.compact.node_lat[i]) for i in (0, 1)]
    assert travel_matrix(network, points).duration_s.shape == (2, 2)
    assert main(["build-network", "--source", str(tmp_path / "none.osm"), "--out", str(out)]) == 1
    assert "none.osm" in capsys.readouterr().err
