"""Travel matrices: validation of caller-supplied ones and crow-fly estimates when no road network is at hand."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from routing.errors import InvalidInputError
from routing.geo import Location

IntMatrix = npt.NDArray[np.int64]

#: Road distance over straight-line distance used by :func:`approximate_matrices`.
DEFAULT_CIRCUITY = 1.3
#: Average speed (km/h) used by :func:`approximate_matrices`.
DEFAULT_SPEED_KMH = 25.0


def as_matrix(name: str, value: object, n: int) -> IntMatrix:
    """``value`` as a read-only n × n int64 matrix of non-negative integers, or an error naming ``name``."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(name, f"not a matrix: {exc}") from exc
    if arr.shape != (n, n):
        raise InvalidInputError(name, f"shape {arr.shape} but {n} locations need ({n}, {n})")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.round(arr)):
            raise InvalidInputError(name, "must hold finite integers (seconds or metres)")
    elif arr.dtype.kind not in "iu":
        raise InvalidInputError(name, f"must hold integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n and arr.min() < 0:
        i, j = np.unravel_index(int(np.argmin(arr)), arr.shape)
        raise InvalidInputError(name, f"negative value {arr[i, j]} at [{i}, {j}]")
    arr.setflags(write=False)
    return arr


def approximate_matrices(
    locations: Sequence[Location],
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> tuple[IntMatrix, IntMatrix]:
    """Crow-fly estimates when no road network is available.

    Parameters
    ----------
    locations
        Points in matrix order.
    circuity
        Road distance over great-circle distance (1.3 by default).
    speed_kmh
        Average speed (25 km/h by default).

    Returns
    -------
    duration_s, distance_m
        Integer matrices (rounded to the nearest second and metre).
    """
    if circuity < 1 or speed_kmh <= 0:
        raise InvalidInputError("circuity/speed_kmh", f"need circuity >= 1 and speed > 0, got {circuity}, {speed_kmh}")
    lon = np.radians([p.lon for p in locations])
    lat = np.radians([p.lat for p in locations])
    h = (
        np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
        + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2
    )
    metres = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(h, 0, 1))) * circuity
    distance = np.rint(metres).astype(np.int64)
    duration = np.rint(metres / (speed_kmh / 3.6)).astype(np.int64)
    return duration, distance
