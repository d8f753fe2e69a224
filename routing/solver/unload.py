"""Vehicles that must end empty, modelled for PyVRP with a virtual end depot.

PyVRP unloads a vehicle at its end depot. A vehicle with ``end_empty`` instead ends
at a virtual location of its own, one per such vehicle type: the arc from any
location ``x`` to it is ``x -> p -> end`` through the unload site ``p`` cheapest
for that vehicle from ``x`` (its cost per metre and per second, the site's
unloading time included). Mid-round reloads stay PyVRP reload depots. Mapping back
turns the arrival at the virtual end into the real unload visit and the return.

The search respects the sites' closing times conservatively (the virtual end
closes as early as the earliest-closing site allows); a wait for a site to open is
not seen by the search but is in the plan, which the checker replays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.model import Problem, Vehicle
from routing.plan import Visit

IntArray = npt.NDArray[np.int64]
_NEVER = 2**40


@dataclass(frozen=True)
class VirtualEnd:
    """The virtual end of one vehicle type that must end empty.

    Parameters
    ----------
    vehicle_type
        Index of the vehicle in ``Problem.vehicles``.
    end_row
        Problem row of its (real) end depot.
    site
        Per problem row, the problem row of the unload site chosen from there.
    distance_m, duration_s
        Per problem row, distance and duration (unloading included) to the end depot via that site.
    window
        Earliest and latest arrival at the virtual end.
    """

    vehicle_type: int
    end_row: int
    site: IntArray
    distance_m: IntArray
    duration_s: IntArray
    window: tuple[int, int]


def virtual_ends(problem: Problem) -> tuple[VirtualEnd, ...]:
    """A virtual end for each vehicle type of ``problem`` with ``end_empty``."""
    return tuple(_virtual_end(problem, k, v) for k, v in enumerate(problem.vehicles) if v.end_empty)


def _virtual_end(problem: Problem, k: int, vehicle: Vehicle) -> VirtualEnd:
    sites = np.array([problem.index[d] for d in vehicle.reload_depots], dtype=np.int64)
    e = problem.index[vehicle.end]
    unload = np.array([problem.depots[p].service_s for p in sites], dtype=np.int64)
    dist = problem.distance_m[:, sites] + problem.distance_m[sites, e][None, :]
    dur = problem.duration_s[:, sites] + (unload + problem.duration_s[sites, e])[None, :]
    best = np.argmin(vehicle.cost_per_m * dist + vehicle.cost_per_s * dur, axis=1)
    rows = np.arange(len(best))
    end_opening = problem.depot(vehicle.end).opening
    early, late = (end_opening.start_s, end_opening.end_s) if end_opening else (0, _NEVER)
    for p, after in zip(sites, unload + problem.duration_s[sites, e], strict=True):
        opening = problem.depots[p].opening
        if opening is not None:
            late = min(late, opening.end_s + int(after))
    return VirtualEnd(k, e, sites[best], dist[rows, best], dur[rows, best], (early, late))


def with_virtual_ends(matrix: IntArray, rows: IntArray, ends: tuple[VirtualEnd, ...], kind: str) -> IntArray:
    """The submatrix of ``rows`` with one extra location per virtual end (``kind``: distance or duration).

    Leaving a virtual end costs what leaving its end depot does; it never happens.
    """
    m, n = len(rows), len(rows) + len(ends)
    out = np.zeros((n, n), dtype=np.int64)
    out[:m, :m] = matrix[np.ix_(rows, rows)]
    for j, end in enumerate(ends):
        column = end.distance_m if kind == "distance" else end.duration_s
        out[:m, m + j] = column[rows]
        out[m + j, :m] = matrix[end.end_row, rows]
    return out


def unload_and_return(problem: Problem, end: VirtualEnd, last: Visit) -> tuple[Visit, Visit]:
    """The final unload visit and the return to the end depot after ``last``, as early as possible."""
    vehicle = problem.vehicles[end.vehicle_type]
    row = problem.index[last.id]
    p, e = int(end.site[row]), problem.index[vehicle.end]
    site, depot = problem.depots[p], problem.depot(vehicle.end)
    arrive = last.departure_s + int(problem.duration_s[row, p])
    start = max(arrive, site.opening.start_s if site.opening else 0)
    zero = (0,) * len(last.load)
    unload = Visit(
        "reload", site.id, arrive, start, start + site.service_s, zero,
        int(problem.distance_m[row, p]), last.trip, site.location, last.load,
    )  # fmt: skip
    back = unload.departure_s + int(problem.duration_s[p, e])
    home = max(back, depot.opening.start_s if depot.opening else 0)
    final = Visit(
        "depot", depot.id, back, home, home, zero, int(problem.distance_m[p, e]), last.trip, depot.location, zero
    )
    return unload, final
