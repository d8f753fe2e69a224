"""Build a truck road graph (networkx) from a local file or an OSMnx graph.

Pipeline, whatever the source: truck filter (:mod:`routing.network.tags`) →
Italian maxspeed zones → ``osmnx.routing.add_edge_speeds`` with our fallback
table → truck speed cap → travel times (s) → largest strongly connected
component, with the dropped share reported.
"""

from __future__ import annotations

import gzip
import tempfile
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import osmnx as ox

from routing.errors import NetworkFileError, RoutingError
from routing.network.osmfile import OSM_SUFFIXES, write_truck_extract
from routing.network.tags import normalise_maxspeed, truck_allowed
from routing.settings import RoutingSettings

GRAPHML_SUFFIXES = (".graphml", ".graphml.gz")


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What the build kept.

    Attributes
    ----------
    source
        File name, place name or ``"polygon"``.
    nodes, edges
        Size of the kept graph.
    dropped_node_share, dropped_edge_share
        Share (0-1) of the drivable graph outside the largest strongly
        connected component, hence dropped.
    """

    source: str
    nodes: int
    edges: int
    dropped_node_share: float
    dropped_edge_share: float


def suffix_of(path: Path) -> str:
    """The (possibly double) suffix that tells a file's format, lower case."""
    name = path.name.lower()
    for suffix in sorted(OSM_SUFFIXES + GRAPHML_SUFFIXES + (".npz",), key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _load_osm(path: Path, settings: RoutingSettings) -> nx.MultiDiGraph:
    with tempfile.TemporaryDirectory(prefix="fitmi-osm-") as tmp:
        extract = Path(tmp) / "truck.osm"
        write_truck_extract(path, extract, settings)
        return ox.graph_from_xml(extract, bidirectional=False, simplify=True, retain_all=True)


def _load_graphml(path: Path) -> nx.MultiDiGraph:
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return ox.io.load_graphml(graphml_str=handle.read())
    return ox.io.load_graphml(path)


def read_graph_file(path: Path, settings: RoutingSettings) -> nx.MultiDiGraph:
    """Read a raw drivable graph from an OSM XML / PBF / GraphML file.

    Raises
    ------
    NetworkFileError
        Naming the file, if it is missing, empty, corrupt or of unknown format.
    """
    if not path.is_file():
        raise NetworkFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise NetworkFileError(f"{path}: the file is empty")
    suffix = suffix_of(path)
    try:
        if suffix in OSM_SUFFIXES:
            return _load_osm(path, settings)
        if suffix in GRAPHML_SUFFIXES:
            return _load_graphml(path)
    except RoutingError:
        raise
    except Exception as exc:  # third-party parsers raise anything on corrupt input
        raise NetworkFileError(f"{path}: cannot be read as {suffix} ({type(exc).__name__}: {exc})") from exc
    raise NetworkFileError(f"{path}: unknown format {suffix!r} (expected .osm, .osm.bz2, .osm.pbf, .graphml)")


def _drop_closed_edges(graph: nx.MultiDiGraph, settings: RoutingSettings) -> None:
    closed = [(u, v, k) for u, v, k, data in graph.edges(keys=True, data=True) if not truck_allowed(data, settings)]
    graph.remove_edges_from(closed)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])


def _add_speeds(graph: nx.MultiDiGraph, settings: RoutingSettings) -> None:
    for _, _, data in graph.edges(data=True):
        if "maxspeed" in data:
            data["maxspeed"] = normalise_maxspeed(data["maxspeed"])
    ox.routing.add_edge_speeds(graph, hwy_speeds=settings.speeds_kph, fallback=settings.fallback_speed_kph)
    for _, _, data in graph.edges(data=True):
        data["speed_kph"] = min(float(data["speed_kph"]), settings.truck_max_speed_kph)
    ox.routing.add_edge_travel_times(graph)


def prepare_graph(
    graph: nx.MultiDiGraph, settings: RoutingSettings, source: str
) -> tuple[nx.MultiDiGraph, BuildReport]:
    """Apply the truck pipeline to a raw OSMnx graph (lon/lat, ``length`` in metres).

    Parameters
    ----------
    graph
        A ``MultiDiGraph`` as made by OSMnx; it is modified in place.
    settings
        Speeds, truck limits, whether to keep only the largest SCC.
    source
        Name used in the report and in error messages.

    Returns
    -------
    tuple
        The kept graph and its :class:`BuildReport`.
    """
    crs = graph.graph.get("crs")
    if crs is not None and ox.projection.is_projected(crs):
        graph = ox.projection.project_graph(graph, to_latlong=True)
    _drop_closed_edges(graph, settings)
    if graph.number_of_edges() == 0:
        raise NetworkFileError(f"{source}: no drivable roads")
    for u, v, data in graph.edges(data=True):
        if "length" not in data:
            raise NetworkFileError(f"{source}: edge {u}->{v} has no 'length' attribute")
    _add_speeds(graph, settings)
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    if settings.keep_largest_scc:
        graph = ox.truncate.largest_component(graph, strongly=True)
    report = BuildReport(
        source=source,
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        dropped_node_share=1 - graph.number_of_nodes() / nodes,
        dropped_edge_share=1 - graph.number_of_edges() / edges,
    )
    return graph, report


def graph_from_file(path: Path, settings: RoutingSettings) -> tuple[nx.MultiDiGraph, BuildReport]:
    """Read ``path`` and apply the truck pipeline (see :func:`prepare_graph`)."""
    return prepare_graph(read_graph_file(path, settings), settings, str(path))
