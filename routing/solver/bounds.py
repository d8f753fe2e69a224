"""Lower bounds that tell, before a search, that a fleet cannot serve a problem.

The search with one vehicle fewer (``pyvrp_backend._fewer_vehicles``) takes 45 %
of a solve's budget. On a day whose bins one truck cannot empty within its shift
that time is lost to the search that can succeed. :func:`fleet_too_short` proves
it on such days with an assignment relaxation of the routes, in milliseconds.
"""

from __future__ import annotations

import math

import numpy as np
import pyvrp
from scipy.optimize import linear_sum_assignment

from routing.solver.recombine import UNLIMITED, duration_limit

#: Most required clients for which the bound is computed (the assignment grows with their square).
MAX_CLIENTS = 400
#: Cost of an arc no route may use (far above any sum of real durations).
_NO_ARC = 1e15


def fleet_too_short(data: pyvrp.ProblemData) -> bool:
    """Whether ``data``'s vehicles certainly cannot visit every required client within their shifts.

    Computed only for a fleet of one kind (one start and end depot, reload sites,
    capacity, shift and profile; any number of vehicles) that may reload, and at
    most :data:`MAX_CLIENTS` required clients; ``False`` otherwise. The bound: the
    trips needed (total load over capacity) beyond one per vehicle are unloads at a
    reload site. Every route is a cycle through its vehicle's depot, its clients
    and its unloads, each entered once; the cheapest such assignment of successors
    (time windows, capacities per trip and the choice of one site per unload
    relaxed), plus the service and unloading times, is at most the time the
    routes of any plan whose trips each visit a client take. When it exceeds the
    vehicles' shifts together, no such plan exists.
    """
    types = data.vehicle_types()
    vt = types[0]
    same = all(
        (t.start_depot, t.end_depot, list(t.reload_depots), list(t.capacity), t.profile)
        == (vt.start_depot, vt.end_depot, list(vt.reload_depots), list(vt.capacity), vt.profile)
        and duration_limit(t) == duration_limit(vt)
        for t in types
    )
    required = [k for k, c in enumerate(data.clients()) if c.required]
    limit = duration_limit(vt)
    if not same or not vt.reload_depots or not required or len(required) > MAX_CLIENTS or limit >= UNLIMITED:
        return False
    vehicles = sum(t.num_available for t in types)
    clients = [data.client(k) for k in required]
    load = max(
        max(sum(c.delivery[d] for c in clients), sum(c.pickup[d] for c in clients)) / max(vt.capacity[d], 1)
        for d in range(len(vt.capacity))
    )
    unloads = max(math.ceil(load) - vehicles, 0)
    work = _assignment(data, vt, [c.location for c in clients], vehicles, unloads)
    work += sum(c.service_duration for c in clients)
    return work > vehicles * limit


def _assignment(data: pyvrp.ProblemData, vt: pyvrp.VehicleType, locs: list[int], vehicles: int, unloads: int) -> float:
    """Cheapest successor assignment over: one depot node per vehicle (start and end: an unused vehicle is its
    own successor), the clients at ``locs``, ``unloads`` unload nodes that must be visited and as many more that
    may be (own successor); an unload costs the way to and from the site cheapest for that arc, and its time."""
    dur = np.asarray(data.duration_matrix(vt.profile), dtype=float)
    sites = list(vt.reload_depots)
    site_locs = [data.depot(p).location for p in sites]
    unload_s = np.array([data.depot(p).service_duration for p in sites], dtype=float)
    start, end = data.depot(vt.start_depot).location, data.depot(vt.end_depot).location
    n = len(locs)
    into_site = (dur[np.ix_(locs, site_locs)] + unload_s[None, :]).min(axis=1)  # client -> unload
    from_site = dur[np.ix_(site_locs, locs)].min(axis=0)  # unload -> client
    size = vehicles + n + unloads + n  # at most one unload after each client is needed
    cost = np.full((size, size), _NO_ARC)
    v, c, u = slice(0, vehicles), slice(vehicles, vehicles + n), slice(vehicles + n, size)
    cost[v, c] = dur[start, locs][None, :]
    cost[c, v] = dur[locs, end][:, None]
    cost[c, c] = dur[np.ix_(locs, locs)]
    np.fill_diagonal(cost[c, c], _NO_ARC)
    cost[c, u] = into_site[:, None]
    cost[u, c] = from_site[None, :]
    cost[u, v] = float(min(dur[p, end] for p in site_locs))
    idx = np.arange(size)
    cost[idx[:vehicles], idx[:vehicles]] = 0.0  # an unused vehicle
    spare = idx[vehicles + n + unloads :]
    cost[spare, spare] = 0.0  # an unload that need not happen
    rows, cols = linear_sum_assignment(cost)
    total = float(cost[rows, cols].sum())
    return total if total < _NO_ARC else math.inf
