"""Reader of the Cordeau-Gendreau-Laporte PVRP instances (p01-p32, pr01-pr10) for ``bench_pvrp.py``.

Format (``shared/bench/pvrp/PROVENANCE.md``): line 1 ``type m n t`` (m vehicles a day,
n customers, t days); t lines ``D Q`` (max route duration, 0 = none, and capacity);
then n+1 node lines ``i x y d q f a codes…`` (node 0 = depot). A code is a t-bit
string with day 1 as the most significant bit. Distances are real Euclidean; the
objective is the total distance.

To integers: distances are ``round(1000 × d)``, and the reported cost is recomputed
in floating point from the routes (:func:`euclidean_cost`), so it is comparable to
the BKS. Durations (only for instances with a duration limit) are
``ceil(1000 × d)`` and service times ``1000 × d``: a round within ``1000 × D`` in
integers is within ``D`` in reals.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.model import Depot, TimeWindow, Vehicle
from routing.periodic import DayFleet, PeriodicProblem, PeriodicStop, WeekPlan
from routing.plan import Route

SCALE = 1000
#: "No time limit" for the shifts, the depot and the stops: the model's default of a week (604,800 units) is shorter
#: than some rounds once scaled (p20: 626 units of distance = 626,000; p30 has a stop 866 units out).
OPEN = TimeWindow(0, 10**12)


@dataclass(frozen=True)
class PvrpInstance:
    """One CGL instance as read from its file (customers 1..n; row 0 is the depot)."""

    name: str
    vehicles: int
    days: int
    max_duration: tuple[float, ...]
    capacity: tuple[int, ...]
    xy: np.ndarray
    service: tuple[float, ...]
    demand: tuple[int, ...]
    codes: tuple[tuple[int, ...], ...]

    @property
    def customers(self) -> int:
        return len(self.demand) - 1


def read_pvrp(path: Path) -> PvrpInstance:
    """Read a CGL PVRP file (type 1)."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    kind, m, n, t = (int(x) for x in lines[0][:4])
    if kind != 1:
        raise ValueError(f"{path.name}: type {kind} is not a PVRP instance (1)")
    limits = [(float(ln[0]), int(float(ln[1]))) for ln in lines[1 : 1 + t]]
    nodes = lines[1 + t : 1 + t + n + 1]
    xy = np.array([[float(ln[1]), float(ln[2])] for ln in nodes])
    service = tuple(float(ln[3]) for ln in nodes)
    demand = tuple(int(float(ln[4])) for ln in nodes)
    codes = tuple(tuple(int(c) for c in ln[7 : 7 + int(ln[6])]) for ln in nodes)
    return PvrpInstance(
        path.name, m, t, tuple(d for d, _ in limits), tuple(q for _, q in limits), xy, service, demand, codes
    )


def cgl_mask(code: int, days: int) -> int:
    """A CGL visit code (day 1 = most significant of ``days`` bits) as a routing day pattern (bit d = day d)."""
    return sum(1 << d for d in range(days) if code >> (days - 1 - d) & 1)


def euclid(inst: PvrpInstance) -> np.ndarray:
    diff = inst.xy[:, None, :] - inst.xy[None, :, :]
    return np.asarray(np.sqrt((diff**2).sum(axis=2)))


def to_problem(inst: PvrpInstance) -> PeriodicProblem:
    """The instance as a periodic problem: depot ``"0"``, stops ``"1"``..``"n"``, one fleet a day."""
    real = euclid(inst)
    distance = np.rint(real * SCALE).astype(np.int64)
    timed = any(d > 0 for d in inst.max_duration)
    duration = np.ceil(real * SCALE).astype(np.int64) if timed else distance
    days = []
    for d in range(inst.days):
        limit = round(inst.max_duration[d] * SCALE) if inst.max_duration[d] > 0 else None
        vehicle = Vehicle("v", "0", inst.capacity[d], count=inst.vehicles, max_duration_s=limit, shift=OPEN)
        days.append(DayFleet((vehicle,)))
    stops = [
        PeriodicStop(
            str(i),
            patterns=tuple(cgl_mask(c, inst.days) for c in inst.codes[i]),
            demand_kg=inst.demand[i],
            service_s=round(inst.service[i] * SCALE) if timed else 0,
            window=OPEN,
        )
        for i in range(1, inst.customers + 1)
    ]
    return PeriodicProblem((Depot("0", opening=OPEN),), tuple(days), tuple(stops), duration, distance)


def _length(real: np.ndarray, route: Route) -> float:
    return float(sum(real[int(a.id), int(b.id)] for a, b in itertools.pairwise(route.visits)))


def euclidean_cost(inst: PvrpInstance, week: WeekPlan) -> float:
    """Total distance of the week's routes with unrounded Euclidean distances."""
    real = euclid(inst)
    return sum(_length(real, route) for plan in week.days for route in plan.routes)


def longest_round(inst: PvrpInstance, week: WeekPlan) -> float:
    """Largest real route duration minus its day's limit (≤ 0 when every round keeps to ``D``)."""
    real, worst = euclid(inst), -math.inf
    for d, plan in enumerate(week.days):
        if inst.max_duration[d] <= 0:
            continue
        for route in plan.routes:
            length = _length(real, route) + sum(inst.service[int(v.id)] for v in route.visits)
            worst = max(worst, length - inst.max_duration[d])
    return worst
