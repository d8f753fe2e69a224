"""Command line: ``python -m routing build-network (--source FILE | --place NAME | --polygon GEOJSON) --out FILE``.

Builds a truck road network and writes its compact form (``.npz``), which
``routing.load_network`` and the web application load in well under a second.
Road data: © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from routing.errors import RoutingError
from routing.network.api import build_network, load_network
from routing.network.download import polygon_from_geojson
from routing.network.road_network import RoadNetwork
from routing.settings import RoutingSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m routing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-network", help="build a road network and save its compact form")
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--source", type=Path, help="local .osm / .osm.bz2 / .osm.pbf / .graphml[.gz] file")
    source.add_argument("--place", help="place name to download with OSMnx (needs internet)")
    source.add_argument("--polygon", type=Path, help="GeoJSON whose union is downloaded (needs internet)")
    build.add_argument("--out", type=Path, required=True, help="compact network file to write (.npz)")
    build.add_argument("--cache-dir", type=Path, help="cache folder (default: $XDG_CACHE_HOME/fitmi-routing)")
    build.add_argument("--max-weight-t", type=float, help="drop ways with a lower maxweight")
    build.add_argument("--max-height-m", type=float, help="drop ways with a lower maxheight")
    return parser


def _build(args: argparse.Namespace) -> RoadNetwork:
    options: dict[str, object] = {"max_weight_t": args.max_weight_t, "max_height_m": args.max_height_m}
    if args.cache_dir is not None:
        options["cache_dir"] = args.cache_dir
    settings = RoutingSettings(**options)  # type: ignore[arg-type]
    if args.source is not None:
        return load_network(args.source, settings)
    if args.place is not None:
        return build_network(place=args.place, settings=settings)
    return build_network(polygon=polygon_from_geojson(args.polygon), settings=settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        network = _build(args)
        network.save(args.out)
    except RoutingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report = network.report
    print(
        f"{args.out}: {network.node_count} nodes, {network.edge_count} edges, "
        f"{report.get('dropped_node_share', 0.0):.1%} of nodes outside the largest strongly connected "
        f"component dropped, hash {network.content_hash[:12]}. © OpenStreetMap contributors (ODbL)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
