"""Road networks from OpenStreetMap, snapping, travel matrices and paths.

Public API (re-exported by :mod:`routing`): :class:`RoadNetwork`,
:func:`load_network`, :func:`build_network`, :func:`travel_matrix`,
:func:`route_geometry`, and the result types :class:`Snap`,
:class:`TravelMatrix`, :class:`RouteGeometry`, :class:`Leg`.
Road data: © OpenStreetMap contributors (ODbL).
"""

from routing.network.api import build_network, load_network, route_geometry, travel_matrix
from routing.network.results import Leg, RouteGeometry, TravelMatrix
from routing.network.road_network import RoadNetwork
from routing.network.snapping import Snap

__all__ = [
    "Leg",
    "RoadNetwork",
    "RouteGeometry",
    "Snap",
    "TravelMatrix",
    "build_network",
    "load_network",
    "route_geometry",
    "travel_matrix",
]
