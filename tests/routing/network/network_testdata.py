"""Hand-made graphs with known shortest paths, shared by the road-network tests."""

from __future__ import annotations

import networkx as nx
import osmnx as ox

# Hand-made square near Milan (lon step 0.001° ≈ 78 m, lat step 0.001° ≈ 111 m):
#
#   4 ──── 3        1→2 one-way ("Via Uno"); 2–3, 3–4, 4–1 two-way.
#   │      │        All edges tagged maxspeed 36 km/h = 10 m/s, so seconds = metres / 10.
#   1 ───► 2
SQUARE = {1: (9.190, 45.460), 2: (9.191, 45.460), 3: (9.191, 45.461), 4: (9.190, 45.461)}
SQUARE_NAMES = {(1, 2): "Via Uno", (2, 3): "Via Due", (3, 4): "Via Tre", (4, 1): "Via Quattro"}


def square_graph() -> nx.MultiDiGraph:
    """The raw hand-made graph (before the truck pipeline)."""
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (x, y) in SQUARE.items():
        graph.add_node(node, x=x, y=y)
    for (u, v), name in SQUARE_NAMES.items():
        pairs = [(u, v)] if (u, v) == (1, 2) else [(u, v), (v, u)]
        for a, b in pairs:
            length = ox.distance.great_circle(SQUARE[a][1], SQUARE[a][0], SQUARE[b][1], SQUARE[b][0])
            graph.add_edge(a, b, length=float(length), highway="residential", maxspeed="36", name=name)
    return graph


def edge_length(graph: nx.MultiDiGraph, u: int, v: int) -> float:
    return float(min(d["length"] for d in graph.get_edge_data(u, v).values()))
