"""Exceptions raised by the routing library.

Every error names the file, point or field it is about, so that a caller can
show the message to a person unchanged.
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of every error raised by :mod:`routing`."""


class InvalidInputError(RoutingError, ValueError):
    """A value given to the library is malformed (NaN, negative, wrong shape...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NetworkFileError(RoutingError):
    """A road-network source file is missing, corrupt, empty or has no drivable roads."""


class SnapError(RoutingError):
    """A point lies too far from the road network (or outside it) to be snapped."""


class ProblemError(InvalidInputError):
    """A routing problem is inconsistent (unknown depot, demand above every capacity...)."""


class SolveCancelled(RoutingError):
    """A solve was cancelled by its caller before it produced a plan."""


class NetworkDownloadError(RoutingError):
    """Downloading a road network from OpenStreetMap (Overpass / Nominatim) failed."""


class NoPathError(RoutingError):
    """No road path joins two points (possible only when the network is not strongly connected)."""
