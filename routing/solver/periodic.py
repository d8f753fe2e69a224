"""Weekly planning: :func:`solve_periodic` chooses the visit days and the routes together.

Method (see ``docs/decisions.md``, 2026-12-03 and 2026-12-04):

1. *Construction*: stops with the most visits (then the farthest from the depot)
   first, each gets the day pattern whose visits are cheapest to insert into the
   routes built so far on those days (cheapest insertion, respecting maximum round
   length and the day's number of vehicles; a visit that overfills its route costs
   ``OVERFLOW`` typical round trips per vehicle capacity for each kg over when the
   day's other routes have room for those kg, which the day search then moves
   there, and a large penalty otherwise), plus ``BALANCE`` typical round trips times the share of
   each day's fleet capacity its routes would then carry, which spreads the load
   over the days; then passes of pattern moves (step 2) on these routes.
2. *Pattern moves*: for every stop, every other allowed pattern is priced by the
   routes' removal savings on the days it leaves and insertion costs on the days it
   joins; improving moves are applied to the routes at once.
3. *Day searches*: each day whose stops changed is searched again by PyVRP,
   warm-started from its current routes (a day the search leaves short, with a
   stop left out or no plan within capacity, is searched again, longer, and a week
   with such a day never beats one without).
4. *The week as one problem* (:meth:`_Week.joint`): all days' vehicles in one
   PyVRP model, one profile per day in which the visits that may not take place
   that day are out of reach; a stop with one visit among the days searched (a
   one-visit stop, or one visit of a pattern whose other days stay) may take it on
   any of them that keeps an allowed pattern. It runs once after the first day
   searches (``WEEK_SHARE`` of the budget).

Then rounds until the deadline: improving pattern moves (step 2) and searches of
the changed days (3); when no move improves, one of ``OPERATORS`` chosen at random
with adaptive weights (a reward of 3 for a new best week, 1 for a better current
one): search every day again, a *related kick* (a stop and its nearest neighbours
with a choice take another pattern together, then step 4: moves one visit at a
time cannot shift a group of two-visit stops from Mon-Wed to Tue-Thu), the week
with one route fewer (step 4 with one vehicle fewer than it uses on the day of its
least loaded route, and no more than they use on the others), or two days as one
(step 4 on a pair). A round that does not beat the current week is undone (its moves barred until the next
improvement); after as many rounds without a better week as there are pairs of
days, a *kick* restarts from the best week with ``KICK_SHARE`` of the stops with a
choice moved to another pattern at random (seeded). With ``max_iterations`` the
rounds stop at the first such stall instead (reproducible results).

With several workers, each runs this whole method with its own seed, in its own
process, until the same deadline, and the best week is kept (:func:`plan_week`).
The calling process runs the one-worker search; the others construct with the
stops in a seeded random order (farthest first otherwise), so they start
elsewhere: from one start, seeds alone often end in the same week.

The whole call, set-up included, ends within the budget plus one search iteration.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pyvrp

from routing.errors import SolveCancelled
from routing.model import Problem, Vehicle
from routing.periodic import PeriodicProblem, VisitOption, WeekPlan, days_of
from routing.plan import Plan
from routing.solver.base import CancelToken, Deadline, ProgressCallback
from routing.solver.pyvrp_backend import from_pyvrp, required_prize, to_pyvrp
from routing.solver.pyvrp_search import ProgressStop, SearchLog, run_one
from routing.solver.team import caller_filters, result_by, spawn_pool, terminate

#: Share of the budget for the first search of every day.
FIRST_SHARE = 0.15
#: Search time of a day changed by a round of moves, as a share of the budget over the days.
ROUND_SHARE = 0.015
#: Share of the budget for the first search of the whole week as one problem.
WEEK_SHARE = 0.2
#: Passes of pattern moves on the constructed routes before the first day searches.
CONSTRUCT_PASSES = 10
#: Weight of a day's fill (share of its fleet's capacity, times a typical round trip) in the construction.
BALANCE = 3.0
#: Price of a kg inserted over a route's capacity when the day's other routes have room for it, in typical
#: round trips per vehicle capacity (0: such an insertion counts as impossible).
OVERFLOW = 2.0
#: Searches again, each as long as the first, of the days the first search left short.
REPAIRS = 2
#: Share of the stops with a choice of patterns that a kick moves.
KICK_SHARE = 0.1
#: What a round does when no pattern move improves, chosen at random by adaptive weights: search every day
#: again with another seed; move a stop and its nearest neighbours to another pattern together, then search
#: the week as one problem; search the week with one vehicle fewer on the day of the least loaded route;
#: search two days as one problem.
OPERATORS = ("polish", "related", "fewer", "pair")
#: Most stops a related kick moves.
RELATED_MAX = 6
#: Weight of the latest reward in an operator's weight (the rest is its previous weight), and its floor.
REACTION, MIN_WEIGHT = 0.2, 0.1
#: Rounds of moves and searches at most when ``max_iterations`` is given (reproducible runs).
MAX_ROUNDS = 30


@dataclass
class _Route:
    """A route under construction: vehicle type (index in the day's fleet) and visited rows."""

    vtype: int
    seq: list[int]
    load: int = 0
    duration: int = 0


@dataclass
class _Day:
    fleet: tuple[Vehicle, ...]
    routes: list[_Route] = field(default_factory=list)
    missing: set[int] = field(default_factory=set)
    plan: Plan = field(default_factory=lambda: Plan((), (), 0))
    overloaded: bool = False  # the search ran out of time before a plan within capacity and shifts


@dataclass(frozen=True)
class _Best:
    choice: tuple[int, ...]
    days: tuple[tuple[tuple[_Route, ...], frozenset[int], Plan, bool], ...]
    score: tuple[int, int, int]


def plan_week(
    problem: PeriodicProblem,
    deadline: Deadline,
    seed: int,
    max_iterations: int | None,
    cancel: CancelToken | None,
    progress: ProgressCallback | None = None,
    workers: int = 1,
) -> WeekPlan:
    """Run the method above; see :func:`routing.solver.solve_periodic` for the parameters.

    With ``workers > 1`` this process runs the search with ``seed`` (the one a single
    worker runs) and a process pool, started at once, runs it with ``seed + 1`` ...
    from a shuffled construction until the same moment on the system's monotonic
    clock; the best week is kept.
    """
    if workers == 1:
        return _Week(problem, deadline, seed, max_iterations, cancel, progress).run()
    shift = time.monotonic() - deadline.clock()  # the deadline's clock on the monotonic clock of the pool
    pool = spawn_pool(workers - 1)
    try:
        futures = [
            pool.submit(_week_worker, problem, deadline.end + shift, seed + j, max_iterations, caller_filters())
            for j in range(1, workers)
        ]
        try:
            weeks = [_Week(problem, deadline, seed, max_iterations, cancel, progress).run()]
        except BaseException:  # cancelled, or an error: the pool's searches end too
            terminate(pool)
            raise
        for future in futures:
            week = result_by(future, deadline.end + shift if max_iterations is None else None)
            if week is None:  # still searching, or its process died: left out
                terminate(pool)
            else:
                weeks.append(week)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    best = min(weeks, key=lambda w: (not w.feasible, sum(len(p.unassigned) for p in w.days), w.cost))
    if progress is not None and best is not weeks[0]:
        progress(deadline.elapsed(), best.cost)
    return dataclasses.replace(best, runtime_s=deadline.elapsed(), rounds=sum(w.rounds for w in weeks))


def _week_worker(
    problem: PeriodicProblem, end: float, seed: int, max_iterations: int | None, filters: list[Any]
) -> WeekPlan:
    """One week search in a pool process, until ``end`` on the monotonic clock, from another start (the stops
    constructed in a seeded random order), with the caller's warning filters."""
    with warnings.catch_warnings():
        cast(list[Any], warnings.filters)[:] = filters  # in place, just after catch_warnings reset the caches
        week = _Week(problem, Deadline(max(end - time.monotonic(), 0.0)), seed, max_iterations, None)
        week.shuffled = True
        return week.run()


class _Week:
    def __init__(
        self,
        problem: PeriodicProblem,
        deadline: Deadline,
        seed: int,
        max_iterations: int | None,
        cancel: CancelToken | None,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.p, self.deadline, self.seed = problem, deadline, seed
        self.max_iterations, self.cancel, self.progress = max_iterations, cancel, progress
        self.nd = len(problem.depots)
        self.opts: list[tuple[VisitOption, ...]] = [problem.options(s.id) for s in problem.stops]
        self.service = np.array([0] * self.nd + [s.service_s for s in problem.stops], dtype=np.int64)
        self.depot_service = np.array([d.service_s for d in problem.depots], dtype=np.int64)
        self.days = [_Day(fleet.vehicles) for fleet in problem.days]
        self.choice = [-1] * len(problem.stops)
        self._costs: dict[tuple[int, int], np.ndarray] = {}
        vehicles = [v for fleet in problem.days for v in fleet.vehicles] or [Vehicle("none", problem.depots[0].id, 0)]
        span = int(problem.distance_m.max(initial=0)) * max(v.cost_per_m for v in vehicles)
        span += int(problem.duration_s.max(initial=0)) * max(v.cost_per_s for v in vehicles)
        self.penalty = 10 * (2 * span + max(v.fixed_cost for v in vehicles) + 1)
        self.tabu: set[tuple[int, int]] = set()
        self.applied: list[tuple[int, int]] = []
        self.rounds = 0
        self.budget = deadline.end - deadline.start
        #: Time kept back at the end of every search for the work after it (the longest mapping seen so far).
        self.reserve = 0.0
        #: Construct with the stops in a seeded random order instead of farthest first (the pool's searches).
        self.shuffled = False
        capacities = [c for day in self.days for v in day.fleet if (c := self.limits(v)[0]) < 1 << 60]
        #: Price of a kg over a route's capacity that the day's other routes have room for.
        self.kg_price = OVERFLOW * self.round_trip() / (sum(capacities) / len(capacities)) if capacities else 0.0

    # --- costs of the routes under construction -------------------------------------------------

    def cost_matrix(self, v: Vehicle) -> np.ndarray:
        key = (v.cost_per_m, v.cost_per_s)
        if key not in self._costs:
            self._costs[key] = v.cost_per_m * self.p.distance_m + v.cost_per_s * self.p.duration_s
        return self._costs[key]

    def path(self, v: Vehicle, route: _Route) -> np.ndarray:
        return np.array([self.p.index[v.start_depot], *route.seq, self.p.index[v.end]], dtype=np.int64)

    def refresh(self, d: int, route: _Route) -> None:
        """Recompute a route's load and its length estimate (travel + service, no waits)."""
        v = self.days[d].fleet[route.vtype]
        path = self.path(v, route)
        stops = [r for r in route.seq if r >= self.nd]
        route.load = sum(self.demand(r - self.nd, d) for r in stops)
        depots = [r for r in path[:-1] if r < self.nd]
        route.duration = int(self.p.duration_s[path[:-1], path[1:]].sum()) + int(self.service[stops].sum())
        route.duration += int(self.depot_service[depots].sum())

    def demand(self, i: int, d: int) -> int:
        return self.opts[i][self.choice[i]].demands[d]

    @staticmethod
    def limits(v: Vehicle) -> tuple[int, int]:
        """Capacity (huge if the vehicle may reload) and longest round of a vehicle."""
        cap = 1 << 60 if v.reload_depots and v.max_reloads != 0 else v.capacity_kg
        longest = 1 << 60 if v.max_duration_s is None else v.max_duration_s
        if v.shift is not None:
            longest = min(longest, v.shift.end_s - v.shift.start_s)
        return cap, longest

    def insertion(self, d: int, row: int, kg: int) -> tuple[int, int, int]:
        """Cheapest insertion of ``row`` with ``kg`` on day ``d``: ``(cost, route or -1-vtype, position)``."""
        day = self.days[d]
        best = (1 << 62, 0, 0)
        fallback = best
        room = [max(self.limits(day.fleet[r.vtype])[0] - r.load, 0) for r in day.routes]
        free = sum(room)
        for k, route in enumerate(day.routes):
            v = day.fleet[route.vtype]
            c, path = self.cost_matrix(v), self.path(v, route)
            a, b = path[:-1], path[1:]
            delta = c[a, row] + c[row, b] - c[a, b]
            pos = int(np.argmin(delta))
            cost = int(delta[pos]) + (v.fixed_cost if not route.seq else 0)
            cap, longest = self.limits(v)
            extra = int(
                self.p.duration_s[a[pos], row] + self.p.duration_s[row, b[pos]] - self.p.duration_s[a[pos], b[pos]]
            )
            timely = route.duration + extra + int(self.service[row]) <= longest
            over = route.load + kg - cap
            if timely and 0 < over <= free - room[k] and OVERFLOW:
                # Room on the day's other routes: the day search can move visits there; priced per kg moved.
                cost, over = cost + int(self.kg_price * over), 0
            fits = over <= 0 and timely
            if fits and cost < best[0]:
                best = (cost, k, pos)
            elif not fits and cost + self.penalty < fallback[0]:
                fallback = (cost + self.penalty, k, pos)
        used = Counter(r.vtype for r in day.routes)
        for t, v in enumerate(day.fleet):
            if used[t] >= v.count:
                continue
            s, e = self.p.index[v.start_depot], self.p.index[v.end]
            c = self.cost_matrix(v)
            cost = v.fixed_cost + int(c[s, row] + c[row, e] - c[s, e])
            if cost < best[0]:
                best = (cost, -1 - t, 0)
        return best if best[0] < 1 << 62 else fallback

    def removal(self, d: int, row: int) -> tuple[int, int, int]:
        """Saving of removing ``row`` from day ``d``: ``(saving, route, position)`` (route -1: not routed)."""
        day = self.days[d]
        if row in day.missing:
            return self.penalty, -1, 0
        for k, route in enumerate(day.routes):
            if row in route.seq:
                v = day.fleet[route.vtype]
                c, path = self.cost_matrix(v), self.path(v, route)
                pos = route.seq.index(row)
                a, b = int(path[pos]), int(path[pos + 2])
                saving = int(c[a, row] + c[row, b] - c[a, b])
                return saving + (v.fixed_cost if len(route.seq) == 1 else 0), k, pos
        return 0, -1, 0

    def insert(self, d: int, row: int, kg: int) -> None:
        _, k, pos = self.insertion(d, row, kg)
        day = self.days[d]
        if k < 0:
            day.routes.append(_Route(-1 - k, []))
            k, pos = len(day.routes) - 1, 0
        day.routes[k].seq.insert(pos, row)

    def remove(self, d: int, row: int) -> None:
        day = self.days[d]
        day.missing.discard(row)
        for route in day.routes:
            if row in route.seq:
                route.seq.remove(row)
        day.routes = [r for r in day.routes if r.seq]

    # --- pattern choice -----------------------------------------------------------------------

    def move_delta(self, i: int, option: VisitOption) -> int:
        row, current = self.nd + i, self.opts[i][self.choice[i]]
        old, new = set(days_of(current.mask)), set(days_of(option.mask))
        delta = -sum(self.removal(d, row)[0] for d in old - new)
        delta += sum(self.insertion(d, row, option.demands[d])[0] for d in new - old)
        for d in old & new:
            extra = option.demands[d] - current.demands[d]
            if extra > 0:
                for route in self.days[d].routes:
                    if row in route.seq and route.load + extra > self.limits(self.days[d].fleet[route.vtype])[0]:
                        delta += self.penalty
        return delta

    def apply(self, i: int, k: int) -> set[int]:
        """Give stop ``i`` its option ``k``; the days whose routes or loads changed."""
        row, option = self.nd + i, self.opts[i][k]
        before = self.opts[i][self.choice[i]] if self.choice[i] >= 0 else None
        old = set(days_of(before.mask)) if before is not None else set()
        new = set(days_of(option.mask))
        for d in old - new:
            self.remove(d, row)
        self.choice[i] = k
        for d in sorted(new - old):
            self.insert(d, row, option.demands[d])
        changed = (old ^ new) | {d for d in old & new if before is not None and before.demands[d] != option.demands[d]}
        for d in changed:
            for route in self.days[d].routes:
                self.refresh(d, route)
        return changed

    def construct(self, balance: float) -> int:
        """Give every stop a pattern, inserting its visits into the routes; how many could not fit anywhere."""
        first = self.p.distance_m[0]
        if self.shuffled:  # another start: the stops with as many visits in a seeded random order
            first = np.random.default_rng(self.seed).permutation(len(first))
        order = sorted(
            range(len(self.opts)),
            key=lambda i: (-max(o.mask.bit_count() for o in self.opts[i]), -int(first[self.nd + i]), i),
        )
        scale, forced = balance * self.round_trip(), 0
        for i in order:
            self.check_cancel()
            row = self.nd + i
            inserts = [[self.insertion(d, row, o.demands[d])[0] for d in days_of(o.mask)] for o in self.opts[i]]
            costs = [
                sum(inserts[k]) + scale * sum(self.fill(d, o.demands[d]) for d in days_of(o.mask))
                for k, o in enumerate(self.opts[i])
            ]
            k = int(np.argmin(costs))
            forced += any(c >= self.penalty for c in inserts[k])
            self.apply(i, k)
        return forced

    def start(self) -> None:
        """Construct with the days kept even; when a visit then fits nowhere (the days are almost full, a
        packing problem), construct again by plain cheapest insertion and keep whichever forces fewer."""
        forced = self.construct(BALANCE)
        if forced and BALANCE:
            balanced = (self.days, self.choice)
            self.days, self.choice = [_Day(fleet.vehicles) for fleet in self.p.days], [-1] * len(self.p.stops)
            if self.construct(0.0) >= forced:
                self.days, self.choice = balanced
        for _ in range(CONSTRUCT_PASSES):
            if not self.moves():
                break

    def round_trip(self) -> float:
        """A typical out-and-back cost from the first depot to a stop (the price of a full day in construction)."""
        vehicles = [v for day in self.days for v in day.fleet]
        if not vehicles or not self.opts:
            return 0.0
        c = self.cost_matrix(vehicles[0])
        return float(c[0, self.nd :].mean() + c[self.nd :, 0].mean())

    def fill(self, d: int, kg: int) -> float:
        """Share of day ``d``'s fleet capacity its routes would carry with ``kg`` more (0 when it may reload)."""
        day = self.days[d]
        capacity = sum(v.count * self.limits(v)[0] for v in day.fleet)
        return (sum(r.load for r in day.routes) + kg) / capacity if 0 < capacity < 1 << 60 else 0.0

    def moves(self) -> set[int]:
        """One pass of improving pattern moves; the days changed."""
        changed: set[int] = set()
        for i in range(len(self.opts)):
            if self.deadline.remaining() <= 0:
                break
            self.check_cancel()
            best, arg = 0, -1
            for k, option in enumerate(self.opts[i]):
                if k == self.choice[i] or (i, option.mask) in self.tabu:
                    continue
                delta = self.move_delta(i, option)
                if delta < best:
                    best, arg = delta, k
            if arg >= 0:
                changed |= self.apply(i, arg)
                self.applied.append((i, self.opts[i][arg].mask))
        return changed

    def kick(self, rng: np.random.Generator, count: int) -> set[int]:
        """Give ``count`` random stops with a choice another allowed pattern; the days changed."""
        free = [i for i, opts in enumerate(self.opts) if len(opts) > 1]
        changed: set[int] = set()
        if not free:
            return changed
        for i in rng.choice(free, size=min(count, len(free)), replace=False):
            others = [k for k in range(len(self.opts[i])) if k != self.choice[i]]
            changed |= self.apply(int(i), int(rng.choice(others)))
        return changed

    def fewer_routes(self, active: list[int], seconds: float, seed: int) -> bool:
        """Search the week with one route fewer: one vehicle fewer than it uses on the day of the least loaded route,
        and on the other days no more vehicles than they use (its visits must find room on the routes left, moving
        other visits between days if need be)."""
        routes = [(r.load, d, r.vtype) for d in active for r in self.days[d].routes]
        if not routes:
            return False
        _, d, vtype = min(routes)
        return self.joint(active, seconds, seed, drop=(d, vtype))

    def related_kick(self, rng: np.random.Generator, size: int) -> set[int]:
        """Move a random stop with a choice and its ``size - 1`` nearest such stops to another pattern together
        (the first stop's new pattern where they have it, else one at random); the days changed."""
        free = [i for i, opts in enumerate(self.opts) if len(opts) > 1]
        changed: set[int] = set()
        if not free:
            return changed
        first = int(rng.choice(free))
        rows = np.array(free) + self.nd
        near = np.argsort(self.p.distance_m[self.nd + first, rows] + self.p.distance_m[rows, self.nd + first])
        target = self.opts[first][int(rng.choice([k for k in range(len(self.opts[first])) if k != self.choice[first]]))]
        for j in near[:size]:
            i = free[int(j)]
            same = [k for k, o in enumerate(self.opts[i]) if o.mask == target.mask]
            others = [k for k in range(len(self.opts[i])) if k != self.choice[i]]
            k = same[0] if same else int(rng.choice(others))
            if k != self.choice[i]:
                changed |= self.apply(i, k)
        return changed

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SolveCancelled("solve cancelled by the caller")

    # --- day searches -------------------------------------------------------------------------

    def day_demands(self, d: int) -> dict[str, int]:
        return {
            s.id: self.demand(i, d) for i, s in enumerate(self.p.stops) if self.opts[i][self.choice[i]].mask >> d & 1
        }

    def search(self, d: int, seconds: float, seed: int, *, polish: bool = False) -> None:
        """Search day ``d`` with PyVRP for ``seconds`` from its current routes and adopt the plan.

        When ``polish`` (the day's stops did not change), a plan is adopted only if better.
        """
        day = self.days[d]
        demands = self.day_demands(d)
        problem = self.p.day_problem(d, demands) if demands else None
        if problem is None:
            day.plan, day.routes, day.missing, day.overloaded = Plan((), (), 0), [], set(), False
            return
        clock = self.deadline.clock
        until = min(clock() + max(seconds, 0.0), self.deadline.end - self.reserve)
        log = SearchLog(self.deadline)
        mapped = to_pyvrp(problem)
        give_up = clock() + 0.5 * max(until - clock(), 0.0)
        stop = ProgressStop(until, self.max_iterations, log, self.cancel, 0, give_up)
        init = self.warm_start(problem, mapped.data, day)
        feasible, _, best = run_one(mapped.data, stop, seed, pyvrp.SolveParams(), init)
        if not feasible:
            mapped = to_pyvrp(problem, relax_prize=required_prize(problem))
            stop = ProgressStop(until, self.max_iterations, log, self.cancel, 0)
            feasible, _, best = run_one(mapped.data, stop, seed, pyvrp.SolveParams())
        plan = from_pyvrp(problem, mapped, best)
        old = (day.overloaded, len(day.plan.unassigned), day.plan.cost)
        if not polish or (not feasible, len(plan.unassigned), plan.cost) < old:
            self.adopt(d, problem, plan)
            day.overloaded = not feasible

    def adopt(self, d: int, problem: Problem, plan: Plan) -> None:
        day = self.days[d]
        types = {v.id: k for k, v in enumerate(problem.vehicles)}
        day.routes = []
        for r in plan.routes:
            visits = r.visits[1:-2] if r.final_unload is not None else r.visits[1:-1]
            route = _Route(types[r.vehicle_type], [self.p.index[v.id] for v in visits])
            self.refresh(d, route)
            day.routes.append(route)
        day.missing = {self.p.index[u.stop_id] for u in plan.unassigned}
        day.plan = plan

    def warm_start(self, problem: Problem, data: pyvrp.ProblemData, day: _Day) -> pyvrp.Solution:
        client = {self.p.index[s.id]: k for k, s in enumerate(problem.stops)}
        routes = []
        for route in day.routes:
            acts = self.activities(route, client)
            if acts:
                routes.append(pyvrp.Route(data, acts, route.vtype))
        return pyvrp.Solution(data, routes)

    def activities(self, route: _Route, client: dict[int, int]) -> list[pyvrp.Activity]:
        """``route`` as PyVRP activities, ``client`` mapping our rows to PyVRP client indices (rows it lacks are
        left out, and so are reloads left at the end); empty when no client remains."""
        acts = [
            pyvrp.Activity(pyvrp.ActivityType.DEPOT, row)
            if row < self.nd
            else pyvrp.Activity(pyvrp.ActivityType.CLIENT, client[row])
            for row in route.seq
            if row < self.nd or row in client
        ]
        while acts and acts[-1].type == pyvrp.ActivityType.DEPOT:
            acts.pop()
        return acts

    def visits(self, d: int) -> int:
        return sum(1 for i in range(len(self.opts)) if self.opts[i][self.choice[i]].mask >> d & 1)

    def search_days(self, days: list[int], seconds: float, seed: int, *, polish: bool = False) -> None:
        """Search ``days``, ``seconds`` in all shared by their numbers of visits (within the deadline)."""
        sizes = {d: self.visits(d) for d in days}
        total = sum(sizes.values()) or 1
        for d in days:
            self.search(d, seconds * sizes[d] / total, seed + d, polish=polish)

    # --- several days searched as one ---------------------------------------------------------

    def flexible_days(self, i: int, days: set[int]) -> tuple[int, tuple[int, ...]]:
        """Stop ``i``'s visit among ``days`` that may move to other days of ``days``: ``(current day, days
        allowed)``, or ``(-1, ())`` when it has none or several visits there, is forecast-driven (its kg
        depends on the days), or no other of ``days`` keeps an allowed pattern with the same kg."""
        opts, current = self.opts[i], self.opts[i][self.choice[i]]
        inside = [d for d in days_of(current.mask) if d in days]
        if self.p.stops[i].is_forecast or len(inside) != 1:
            return -1, ()
        d0, kg = inside[0], current.demands[inside[0]]
        by_mask = {o.mask: o for o in opts}
        allowed = [d0]
        for d in sorted(days - {d0}):
            moved = by_mask.get(current.mask ^ (1 << d0) ^ (1 << d)) if not current.mask >> d & 1 else None
            if moved is not None and moved.demands[d] == kg and self.days[d].fleet:
                allowed.append(d)
        return (d0, tuple(sorted(allowed))) if len(allowed) > 1 else (-1, ())

    def joint(self, days: list[int], seconds: float, seed: int, drop: tuple[int, int] | None = None) -> bool:
        """Search ``days`` as one PyVRP problem in which a stop with one visit among them may move it to another
        of them (when the pattern it then has is allowed).

        Each day's vehicle types use a PyVRP profile of their own in which the visits
        that may not take place that day are out of reach (prohibitive distance and
        duration); PyVRP's neighbourhoods follow the profiles, so a visit's neighbours
        are visits it may share a day with. The search starts from the days' current
        routes. With ``drop = (day, vehicle type)`` every day keeps at most the vehicles
        of each type it uses, and ``day`` one fewer of that type. Returns whether the
        routes of ``days`` were replaced (not when the search found no plan within
        capacity and shifts).
        """
        started = self.deadline.clock()
        chosen = set(days)
        visits: list[tuple[int, int, tuple[int, ...]]] = []  # (stop index, current day, days allowed)
        for i, opts in enumerate(self.opts):
            d0, allowed = self.flexible_days(i, chosen)
            for d in days_of(opts[self.choice[i]].mask):
                if d in chosen:
                    visits.append((i, d, allowed if d == d0 else (d,)))
        vehicles = [dataclasses.replace(v, id=f"{v.id}@{d}") for d in days for v in self.days[d].fleet]
        stops = [self.p._day_stop(self.p.stops[i], self.demand(i, d)) for i, d, _ in visits]
        stops = [dataclasses.replace(st, id=f"{st.id}@{d}") for st, (_, d, _) in zip(stops, visits, strict=True)]
        rows = np.r_[np.arange(self.nd), [self.nd + i for i, _, _ in visits]].astype(np.int64)
        sub = np.ix_(rows, rows)
        week = Problem(self.p.depots, tuple(vehicles), tuple(stops), self.p.duration_s[sub], self.p.distance_m[sub])
        data = to_pyvrp(week).data
        far = 100 * (
            int(max(np.max(m) for m in data.distance_matrices()))
            + int(max(np.max(m) for m in data.duration_matrices()))
            + 1
        )
        distances: list[Any] = []
        durations: list[Any] = []
        types: list[pyvrp.VehicleType] = []
        first: dict[int, int] = {}
        used = Counter((d, r.vtype) for d in days for r in self.days[d].routes)
        for profile, d in enumerate(days):
            dist, dur = np.array(data.distance_matrices()[0]), np.array(data.duration_matrices()[0])
            barred = [self.nd + k for k, (_, _, allowed) in enumerate(visits) if d not in allowed]
            for m in (dist, dur):
                m[barred, :] = far
                m[:, barred] = far
                np.fill_diagonal(m, 0)
            distances.append(dist)
            durations.append(dur)
            first[d] = len(types)
            for t in data.vehicle_types()[len(types) : len(types) + len(self.days[d].fleet)]:
                key = (d, len(types) - first[d])
                # One route fewer in the week: every day keeps at most the vehicles it uses, the dropped one less.
                limit = t.num_available if drop is None else min(t.num_available, used[key] - (key == drop))
                if limit < 1:  # no vehicle of its type left: used only at a prohibitive cost
                    types.append(t.replace(profile=profile, fixed_cost=t.fixed_cost + self.penalty))
                else:
                    types.append(t.replace(profile=profile, num_available=limit))
        data = data.replace(vehicle_types=types, distance_matrices=distances, duration_matrices=durations)
        routes = []
        for d in days:
            client = {self.nd + i: k for k, (i, day, _) in enumerate(visits) if day == d}
            routes_of_day = list(self.days[d].routes)
            if drop is not None and drop[0] == d:
                of_type = [r for r in routes_of_day if r.vtype == drop[1]]
                if of_type:
                    routes_of_day.remove(min(of_type, key=lambda r: r.load))
            for route in routes_of_day:
                acts = self.activities(route, client)
                if acts:
                    routes.append(pyvrp.Route(data, acts, first[d] + route.vtype))
        self.reserve = max(self.reserve, self.deadline.clock() - started)  # mapping back costs about as much
        until = min(self.deadline.clock() + seconds, self.deadline.end - self.reserve)
        stop = ProgressStop(until, self.max_iterations, SearchLog(self.deadline), self.cancel)
        feasible, _, best = run_one(data, stop, seed, pyvrp.SolveParams(), pyvrp.Solution(data, routes))
        if not feasible:
            return False
        day_of_type = [d for d in days for _ in self.days[d].fleet]
        new_routes: dict[int, list[_Route]] = {d: [] for d in days}
        moved: dict[int, int] = {}
        for r in best.routes():
            d = day_of_type[r.vehicle_type()]
            seq = []
            for act in list(r.schedule())[1:-1]:
                if act.is_depot():
                    if act.idx < self.nd:
                        seq.append(int(act.idx))
                    continue
                i, day, allowed = visits[act.idx]
                if d not in allowed:
                    return False
                seq.append(self.nd + i)
                if d != day:
                    moved[i] = self.opts[i][self.choice[i]].mask ^ (1 << day) ^ (1 << d)
            new_routes[d].append(_Route(r.vehicle_type() - first[d], seq))
        for i, mask in moved.items():
            self.choice[i] = next(k for k, o in enumerate(self.opts[i]) if o.mask == mask)
        for d in days:
            self.days[d].routes = new_routes[d]
            for route in new_routes[d]:
                self.refresh(d, route)
        return True

    # --- whole week ---------------------------------------------------------------------------

    def score(self) -> tuple[int, int, int]:
        """Days whose plan breaks capacity or shifts, then stops left out, then cost: lower is better."""
        return (
            sum(day.overloaded for day in self.days),
            sum(len(day.plan.unassigned) for day in self.days),
            sum(day.plan.cost for day in self.days),
        )

    def snapshot(self) -> _Best:
        days = tuple(
            (
                tuple(_Route(r.vtype, list(r.seq), r.load, r.duration) for r in day.routes),
                frozenset(day.missing),
                day.plan,
                day.overloaded,
            )
            for day in self.days
        )
        return _Best(tuple(self.choice), days, self.score())

    def restore(self, best: _Best) -> None:
        self.choice = list(best.choice)
        for day, (routes, missing, plan, overloaded) in zip(self.days, best.days, strict=True):
            day.routes = [_Route(r.vtype, list(r.seq), r.load, r.duration) for r in routes]
            day.missing, day.plan, day.overloaded = set(missing), plan, overloaded

    def repair(self, days: list[int], seed: int, keep_s: float) -> None:
        """Search again, each as long as a first search, the ``days`` left short (tight capacity: a stop left
        out, or no plan within capacity), ``REPAIRS`` times at most, while more than ``keep_s`` remain."""
        active = sum(1 for day in self.days if day.fleet) or 1
        for attempt in range(1, REPAIRS + 1):
            short = [d for d in days if self.days[d].missing or self.days[d].overloaded]
            if not short or self.deadline.remaining() <= keep_s:
                return
            self.search_days(short, FIRST_SHARE * self.budget * len(short) / active, seed + attempt)

    def report(self, best: _Best) -> None:
        if self.progress is not None:
            self.progress(self.deadline.elapsed(), best.score[2])

    def settle(self, days: list[int]) -> None:
        """Give ``days`` the plans of their current routes (no search)."""
        started = self.deadline.clock()
        self._settle(days)
        self.reserve = max(self.reserve, self.deadline.clock() - started)

    def _settle(self, days: list[int]) -> None:
        for d in days:
            day, demands = self.days[d], self.day_demands(d)
            problem = self.p.day_problem(d, demands) if demands else None
            if problem is None:
                day.plan, day.routes, day.missing, day.overloaded = Plan((), (), 0), [], set(), False
                continue
            mapped = to_pyvrp(problem)
            solution = self.warm_start(problem, mapped.data, day)
            self.adopt(d, problem, from_pyvrp(problem, mapped, solution))
            day.overloaded = not solution.is_feasible()

    def perturb(
        self, op: int, active: list[int], pairs: list[list[int]], per_day: float, rng: np.random.Generator, seed: int
    ) -> None:
        """Apply operator ``OPERATORS[op]`` to the current week (a round without an improving pattern move)."""
        name = OPERATORS[op]
        if name == "polish":
            self.search_days(active, 2 * per_day * len(active), seed, polish=True)
        elif name == "related":
            kicked = sorted(self.related_kick(rng, int(rng.integers(2, RELATED_MAX + 1))))
            if self.joint(active, per_day * len(active), seed):
                self.settle(active)
            else:
                self.search_days(kicked, per_day * len(kicked), seed)
        elif name == "fewer" and self.fewer_routes(active, per_day * len(active), seed):
            self.settle(active)
        elif name == "pair" and self.joint(group := pairs[self.rounds % len(pairs)], 4 * per_day, seed):
            self.settle(group)

    def run(self) -> WeekPlan:
        self.start()
        active = [d for d in range(len(self.days)) if self.days[d].fleet]
        self.search_days(active, FIRST_SHARE * self.deadline.remaining(), self.seed)
        first = self.snapshot()
        self.report(first)  # a first week to show: the repairs and the week search that follow take a third
        self.repair(active, self.seed, 0.5 * self.budget)
        if len(active) > 1 and self.joint(active, WEEK_SHARE * self.budget, self.seed):
            self.settle(active)
        current = self.snapshot()
        best = current if current.score <= first.score else first
        if best is current and current.score < first.score:
            self.report(best)
        pairs = [[a, b] for a in active for b in active if a < b]
        per_day = ROUND_SHARE * self.budget / max(len(active), 1)
        rng = np.random.default_rng(self.seed)
        stalls, weights, op = 0, np.ones(len(OPERATORS)), -1
        while self.deadline.remaining() > self.reserve + 0.05 and (
            self.max_iterations is None or self.rounds < MAX_ROUNDS
        ):
            self.rounds += 1
            self.applied = []
            changed = sorted(self.moves())
            seed = self.seed + 100 * self.rounds
            if changed:
                self.search_days(changed, per_day * len(changed), seed)
            else:
                op = int(rng.choice(len(weights), p=weights / weights.sum())) if len(active) > 1 else 0
                self.perturb(op, active, pairs, per_day, rng, seed)
            improved = self.score() < current.score
            if op >= 0:  # adaptive choice: an operator's weight follows its recent rewards
                reward = 3.0 if improved and self.score() < best.score else 1.0 if improved else 0.0
                weights[op] = max(MIN_WEIGHT, (1 - REACTION) * weights[op] + REACTION * reward)
                op = -1
            if improved:
                current, stalls = self.snapshot(), 0
                self.tabu = self.tabu if changed else set()
                if current.score < best.score:
                    best = current
                    self.report(best)
            else:
                self.tabu.update(self.applied)
                self.restore(current)
                stalls += 1
            if self.max_iterations is not None and stalls > len(pairs):
                break
            if stalls > len(pairs) and self.deadline.remaining() > self.reserve + 0.05:
                self.restore(best)
                kicked = sorted(self.kick(rng, max(2, round(KICK_SHARE * sum(len(o) > 1 for o in self.opts)))))
                self.search_days(kicked, per_day * len(kicked), seed + 1)
                self.repair(kicked, seed + 1, 0.0)
                current, stalls, self.tabu = self.snapshot(), 0, set()
        self.restore(best)
        return self.result()

    def result(self) -> WeekPlan:
        plans = tuple(day.plan for day in self.days)
        patterns = {s.id: self.opts[i][self.choice[i]].mask for i, s in enumerate(self.p.stops)}
        return WeekPlan(
            plans,
            patterns,
            sum(p.cost for p in plans),
            all(p.feasible for p in plans),
            self.p.approximate,
            self.seed,
            self.deadline.elapsed(),
            self.rounds,
        )
