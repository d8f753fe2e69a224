"""FIT-MI routing: road networks, travel matrices and round optimisation.

A pure library: it never imports Flask or the web application.
"""

from routing.errors import RoutingError
from routing.geo import Location

__all__ = ["Location", "RoutingError"]
