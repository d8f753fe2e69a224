"""Read OSM XML and PBF extracts with pyosmium, keeping only truck-drivable ways.

The kept ways and the nodes they reference are written to a small OSM XML
file, which :func:`osmnx.graph_from_xml` turns into a graph. This way a
Geofabrik ``.osm.pbf`` of the whole metro area and an ``.osm.bz2`` test
extract go through exactly the same tag rules and OSMnx graph construction.
"""

from __future__ import annotations

from pathlib import Path

import osmium

from routing.errors import NetworkFileError
from routing.network.tags import truck_allowed
from routing.settings import RoutingSettings

#: Suffixes read by pyosmium.
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".xml", ".xml.bz2")

_Way = tuple[int, list[int], dict[str, str]]


def _truck_ways(source: Path, settings: RoutingSettings) -> list[_Way]:
    ways: list[_Way] = []
    processor = osmium.FileProcessor(str(source), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    for way in processor:
        assert isinstance(way, osmium.osm.Way)
        tags = {tag.k: tag.v for tag in way.tags}
        if truck_allowed(tags, settings):
            ways.append((way.id, [ref.ref for ref in way.nodes], tags))
    return ways


def write_truck_extract(source: Path, target: Path, settings: RoutingSettings) -> int:
    """Copy the truck-drivable ways of ``source`` and their nodes to ``target``.

    Parameters
    ----------
    source
        An OSM XML (optionally bz2/gz) or PBF file.
    target
        The OSM XML file to write (its suffix chooses the format).
    settings
        Tag rules (truck limits).

    Returns
    -------
    int
        Number of ways kept.

    Raises
    ------
    NetworkFileError
        If the file cannot be read, or holds no drivable way or none of their nodes.
    """
    try:
        ways = _truck_ways(source, settings)
        if not ways:
            raise NetworkFileError(f"{source}: no drivable roads (no way a truck may use)")
        written = _write_extract(source, target, ways)
    except RuntimeError as exc:
        raise NetworkFileError(f"{source}: not a readable OSM extract ({exc})") from exc
    if written == 0:
        raise NetworkFileError(f"{source}: the drivable ways reference no node present in the file")
    return len(ways)


def _write_extract(source: Path, target: Path, ways: list[_Way]) -> int:
    """Write the nodes of ``ways`` (read again from ``source``), then the ways; returns nodes written."""
    needed = osmium.IdTracker()
    for _, refs, _ in ways:
        for ref in refs:
            needed.add_node(ref)
    nodes = osmium.FileProcessor(str(source), osmium.osm.NODE).with_filter(needed.id_filter())
    written = 0
    with osmium.SimpleWriter(str(target)) as writer:
        for node in nodes:
            writer.add_node(node)
            written += 1
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    return written
