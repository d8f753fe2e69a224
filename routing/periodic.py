"""Weekly (periodic) planning: stops visited on several days of a horizon, one fleet per day.

A :class:`PeriodicProblem` spans ``len(days)`` consecutive days (day 0 first). Each
:class:`PeriodicStop` is either a *pattern stop* (visited exactly on the days of one
of its allowed day patterns, the same weight at every visit) or a *forecast stop*
(a bin filling by ``daily_kg`` a day: it must be emptied before it overflows, and
each visit collects what accumulated since the previous one). Every day has its
own :class:`DayFleet` (vehicles with their shifts, maximum durations and costs).
The solver (:func:`routing.solver.solve_periodic`) chooses the days and
the routes together and returns a :class:`WeekPlan`: one :class:`~routing.plan.Plan`
per day and the chosen day pattern of every stop.

Day patterns are bit masks: bit ``d`` (value ``1 << d``) stands for day ``d``; for
example over 4 days ``0b0101`` = days 0 and 2.

Forecast stops: the level is counted once a day, at the round. ``initial_kg`` is the
level at the round of day 0; without a visit the bin gains ``daily_kg`` a day; a
visit on day ``t`` collects the level of day ``t`` and leaves the bin empty, so
``daily_kg × (u - t)`` is collected at the next visit on day ``u``. The level of
every day of the horizon must stay at most ``full_kg`` (what happens after the
horizon is the next plan's business). A forecast stop may also be emptied outside
the plan (``emptied_days``: by a round already published, say): on those days the
plan does not visit it, and its level starts again from empty there. With
``PeriodicProblem.days_after``, the bins are also left able to wait that many days
after the horizon (until the next plan's first round) when some visit days allow it,
and otherwise emptied as late as they can be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from routing.errors import InvalidInputError, ProblemError
from routing.estimates import IntMatrix, as_matrix
from routing.geo import Location
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle, _check_int
from routing.plan import Plan

#: Longest horizon in days (forecast stops enumerate every subset of days).
MAX_DAYS = 14


def days_of(mask: int) -> tuple[int, ...]:
    """The days of a day pattern, in order (``0b0101`` → ``(0, 2)``)."""
    return tuple(d for d in range(mask.bit_length()) if mask >> d & 1)


def forecast_levels(mask: int, horizon: int, initial_kg: int, daily_kg: int) -> tuple[int, ...]:
    """Level of a forecast bin at the round of each day when it is emptied on the days of ``mask``."""
    levels, last = [], None
    for t in range(horizon):
        levels.append(initial_kg + daily_kg * t if last is None else daily_kg * (t - last))
        if mask >> t & 1:
            last = t
    return tuple(levels)


def forecast_visits(stop: PeriodicStop, mask: int, horizon: int) -> tuple[int, ...]:
    """kg a forecast stop gives at each day's round when the plan visits it on the days of ``mask`` (0 on the
    others), counting the days it is emptied outside the plan (:attr:`PeriodicStop.emptied_days`)."""
    assert stop.daily_kg is not None
    levels = forecast_levels(mask | stop.emptied_days, horizon, stop.initial_kg, stop.daily_kg)
    return tuple(level if mask >> d & 1 else 0 for d, level in enumerate(levels))


@dataclass(frozen=True, slots=True)
class DayFleet:
    """The vehicles available on one day of the horizon.

    Parameters
    ----------
    vehicles
        Vehicle types of the day, with their counts, shifts, maximum round
        durations and costs (see :class:`~routing.model.Vehicle`). Empty = no
        round that day (no stop can be visited).
    name
        Label of the day (e.g. ``"Mon"``), for people.
    """

    vehicles: tuple[Vehicle, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        for v in self.vehicles:
            if not isinstance(v, Vehicle):
                raise InvalidInputError(f"DayFleet {self.name}.vehicles", f"expected Vehicle objects, got {v!r}")


@dataclass(frozen=True, slots=True)
class PeriodicStop:
    """A bin (or any pickup place) to visit on some days of the horizon.

    Give either ``patterns`` or the forecast rule (``daily_kg`` and ``full_kg``).

    Parameters
    ----------
    id
        Caller's identifier, unique among depots and stops.
    location
        Coordinates, optional.
    patterns
        Allowed day patterns (bit masks, bit ``d`` = day ``d``), all with the same
        number of days; the stop is visited on exactly the days of one of them.
    demand_kg
        Weight collected at each visit of a pattern stop (0 for forecast stops).
    daily_kg, full_kg, initial_kg
        Forecast rule: kg gained a day, capacity of the bin, level at the round
        of day 0 (see the module text). The kg of each visit follow from the days.
    emptied_days
        Forecast rule only: days (bit mask) on which the bin is emptied outside
        this plan, e.g. by a round already published. The plan does not visit it
        on those days; its level starts again from empty there.
    days_after
        Forecast rule only: this stop's own :attr:`PeriodicProblem.days_after`
        (its next round after the horizon, when stops have different ones);
        ``None`` = the problem's.
    service_s
        Time spent at each visit.
    window
        When service may start, every day; ``None`` = any time within the shift.
    """

    id: str
    location: Location | None = None
    patterns: tuple[int, ...] = ()
    demand_kg: int = 0
    daily_kg: int | None = None
    full_kg: int | None = None
    initial_kg: int = 0
    service_s: int = 0
    window: TimeWindow | None = None
    emptied_days: int = 0
    days_after: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidInputError("PeriodicStop.id", f"must be a non-empty string, got {self.id!r}")
        name = f"PeriodicStop {self.id}"
        object.__setattr__(self, "patterns", tuple(self.patterns))
        for attr in ("demand_kg", "initial_kg", "service_s", "emptied_days"):
            _check_int(f"{name}.{attr}", getattr(self, attr))
        if self.emptied_days and not self.is_forecast:
            raise InvalidInputError(f"{name}.emptied_days", "only a forecast stop can be emptied outside the plan")
        if self.days_after is not None:
            _check_int(f"{name}.days_after", self.days_after)
            if self.days_after > MAX_DAYS:
                raise InvalidInputError(f"{name}.days_after", f"at most {MAX_DAYS} days, got {self.days_after}")
            if not self.is_forecast:
                raise InvalidInputError(f"{name}.days_after", "only a forecast stop has days after the horizon")
        if self.is_forecast:
            if self.daily_kg is None or self.full_kg is None:
                raise InvalidInputError(f"{name}.full_kg", "a forecast stop needs both daily_kg and full_kg")
            _check_int(f"{name}.daily_kg", self.daily_kg)
            _check_int(f"{name}.full_kg", self.full_kg, minimum=1)
            if self.patterns:
                raise InvalidInputError(f"{name}.patterns", "give either patterns or the forecast rule, not both")
            if self.demand_kg:
                raise InvalidInputError(f"{name}.demand_kg", "a forecast stop's kg follow from daily_kg; leave it 0")
            if self.initial_kg > self.full_kg:
                raise InvalidInputError(
                    f"{name}.initial_kg", f"{self.initial_kg} is already above full_kg {self.full_kg}"
                )
            if self.daily_kg > self.full_kg:
                raise InvalidInputError(
                    f"{name}.daily_kg", f"{self.daily_kg} a day overflows full_kg {self.full_kg} even if emptied daily"
                )
            return
        if not self.patterns:
            raise InvalidInputError(f"{name}.patterns", "give allowed day patterns or a forecast rule (daily_kg)")
        for mask in self.patterns:
            _check_int(f"{name}.patterns", mask, minimum=1)
        counts = {int(m).bit_count() for m in self.patterns}
        if len(counts) > 1:
            raise InvalidInputError(
                f"{name}.patterns", f"all patterns must have the same number of days, got {sorted(counts)}"
            )
        if len(set(self.patterns)) != len(self.patterns):
            raise InvalidInputError(f"{name}.patterns", f"duplicate pattern in {self.patterns!r}")

    @property
    def is_forecast(self) -> bool:
        """Whether the stop follows the forecast rule (else its patterns)."""
        return self.daily_kg is not None or self.full_kg is not None


@dataclass(frozen=True, slots=True)
class VisitOption:
    """One way to visit a stop over the horizon: its days and the kg collected on each day.

    Parameters
    ----------
    mask
        Day pattern (bit ``d`` = day ``d``).
    demands
        kg collected on each day of the horizon (0 on days without a visit).
    """

    mask: int
    demands: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class PeriodicProblem:
    """A multi-day planning problem.

    Parameters
    ----------
    depots
        Sites (start/end depots, unloading plants), the same every day.
    days
        One :class:`DayFleet` per day of the horizon (1 to :data:`MAX_DAYS` days).
    stops
        The stops; ids unique among depots and stops.
    duration_s, distance_m
        Travel matrices indexed by location: depots first, then stops, in the order
        given (as in :class:`~routing.model.Problem`), the same every day.
    approximate
        Whether the matrices are estimates.
    days_after
        Days after the horizon during which every forecast stop should stay at
        most full without a visit (``1``: the next plan starts the day after the
        last day). A stop's visit days are chosen among those that achieve it
        when there are any; otherwise (a fast bin before days without fleet)
        among those that leave it the least over full after the horizon (emptied
        as late as it can be), and :meth:`holds_after` tells it. A preference of
        the options: :func:`~routing.checker.check_week_plan` checks the horizon.
        A stop's own :attr:`PeriodicStop.days_after` wins over this one.

    Raises
    ------
    InvalidInputError, ProblemError
        On malformed parts, a pattern reaching past the horizon, or a stop with
        no allowed way to be visited (every pattern needs a day whose fleet cannot
        serve it, or a forecast bin that must overflow).
    """

    depots: tuple[Depot, ...]
    days: tuple[DayFleet, ...]
    stops: tuple[PeriodicStop, ...]
    duration_s: IntMatrix
    distance_m: IntMatrix
    approximate: bool = False
    days_after: int = 0
    index: dict[str, int] = field(init=False, repr=False)
    _options: dict[str, tuple[VisitOption, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("depots", "days", "stops"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not 1 <= len(self.days) <= MAX_DAYS:
            raise InvalidInputError("days", f"the horizon must have 1 to {MAX_DAYS} days, got {len(self.days)}")
        _check_int("days_after", self.days_after)
        if self.days_after > MAX_DAYS:
            raise InvalidInputError("days_after", f"at most {MAX_DAYS} days, got {self.days_after}")
        n = len(self.depots) + len(self.stops)
        object.__setattr__(self, "duration_s", as_matrix("duration_s", self.duration_s, n))
        object.__setattr__(self, "distance_m", as_matrix("distance_m", self.distance_m, n))
        index: dict[str, int] = {}
        items: tuple[Depot | PeriodicStop, ...] = (*self.depots, *self.stops)
        for i, item in enumerate(items):
            if item.id in index:
                raise ProblemError("id", f"duplicate id {item.id!r}")
            index[item.id] = i
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "_options", self._build_options())

    @property
    def horizon(self) -> int:
        """Number of days."""
        return len(self.days)

    def stop(self, stop_id: str) -> PeriodicStop:
        """The stop with this id."""
        return self.stops[self.index[stop_id] - len(self.depots)]

    def options(self, stop_id: str) -> tuple[VisitOption, ...]:
        """The allowed ways to visit the stop that every day's fleet can serve, in pattern order (of a forecast stop,
        those that hold :attr:`days_after` days after the horizon, or if none does those least over full then)."""
        return self._options[stop_id]

    def day_problem(self, day: int, demands: Mapping[str, int]) -> Problem | None:
        """The one-day problem of ``day`` serving the stops in ``demands`` (id → kg), all required.

        ``None`` when the day has no fleet (then ``demands`` must be empty).
        """
        fleet = self.days[day].vehicles
        if not fleet:
            if demands:
                raise ProblemError(f"days[{day}]", f"no vehicle on day {day} for stops {sorted(demands)}")
            return None
        stops = [self._day_stop(self.stop(sid), kg) for sid, kg in demands.items()]
        rows = np.r_[np.arange(len(self.depots)), [self.index[s.id] for s in stops]].astype(np.int64)
        sub = np.ix_(rows, rows)
        return Problem(self.depots, fleet, tuple(stops), self.duration_s[sub], self.distance_m[sub], self.approximate)

    @staticmethod
    def _day_stop(stop: PeriodicStop, kg: int, required: bool = True) -> Stop:
        return Stop(
            stop.id, stop.location, demand_kg=kg, service_s=stop.service_s, window=stop.window, required=required
        )

    def _build_options(self) -> dict[str, tuple[VisitOption, ...]]:
        servable = [self._servable(d) for d in range(self.horizon)]
        largest = [max((v.capacity_kg for v in fleet.vehicles), default=-1) for fleet in self.days]
        out: dict[str, tuple[VisitOption, ...]] = {}
        for stop in self.stops:
            raw = self._raw_options(stop)
            kept = tuple(
                o for o in raw if all(stop.id in servable[d] and o.demands[d] <= largest[d] for d in days_of(o.mask))
            )
            if not kept:
                why = "every allowed pattern needs a day whose fleet cannot serve it (capacity, shift or window)"
                if not raw:
                    why = f"it overflows full_kg {stop.full_kg} whatever the visit days"
                raise ProblemError(f"PeriodicStop {stop.id}", why)
            if stop.is_forecast and self.stop_days_after(stop):
                assert stop.full_kg is not None
                peaks = {o.mask: self._peak_after(stop, o.mask) for o in kept}
                limit = max(min(peaks.values()), stop.full_kg)
                kept = tuple(o for o in kept if peaks[o.mask] <= limit)
            out[stop.id] = kept
        return out

    def stop_days_after(self, stop: PeriodicStop) -> int:
        """The days after the horizon the stop should hold: its own, or the problem's."""
        return self.days_after if stop.days_after is None else stop.days_after

    def _peak_after(self, stop: PeriodicStop, mask: int) -> int:
        """The highest level of a forecast stop visited on the days of ``mask`` in its days after the horizon."""
        assert stop.daily_kg is not None
        h = self.horizon
        after = self.stop_days_after(stop)
        levels = forecast_levels(mask | stop.emptied_days, h + after, stop.initial_kg, stop.daily_kg)
        return max(levels[h:], default=0)

    def holds_after(self, stop_id: str, mask: int) -> bool:
        """Whether the stop, visited on the days of ``mask``, stays at most full for its days after the horizon
        (:meth:`stop_days_after`; always true of a pattern stop)."""
        stop = self.stop(stop_id)
        if not stop.is_forecast or not self.stop_days_after(stop):
            return True
        assert stop.full_kg is not None
        return self._peak_after(stop, mask) <= stop.full_kg

    def _raw_options(self, stop: PeriodicStop) -> list[VisitOption]:
        h = self.horizon
        if not stop.is_forecast:
            for mask in stop.patterns:
                if mask >> h:
                    raise InvalidInputError(
                        f"PeriodicStop {stop.id}.patterns", f"pattern {mask:#b} reaches past the {h}-day horizon"
                    )
            return [VisitOption(m, tuple(stop.demand_kg if m >> d & 1 else 0 for d in range(h))) for m in stop.patterns]
        assert stop.daily_kg is not None and stop.full_kg is not None
        if stop.emptied_days >> h:
            raise InvalidInputError(
                f"PeriodicStop {stop.id}.emptied_days", f"{stop.emptied_days:#b} reaches past the {h}-day horizon"
            )
        options = []
        for mask in range(1 << h):
            if mask & stop.emptied_days:
                continue
            levels = forecast_levels(mask | stop.emptied_days, h, stop.initial_kg, stop.daily_kg)
            if max(levels) <= stop.full_kg:
                options.append(VisitOption(mask, forecast_visits(stop, mask, h)))
        return options

    def _servable(self, day: int) -> set[str]:
        """Stops some vehicle of ``day`` can reach and serve within its shift (weight aside)."""
        fleet = self.days[day].vehicles
        if not fleet or not self.stops:
            return set()
        probe = Problem(
            self.depots,
            fleet,
            tuple(self._day_stop(s, 0, required=False) for s in self.stops),
            self.duration_s,
            self.distance_m,
        )
        return {s.id for s in self.stops if probe.why_unservable(s.id) is None}


@dataclass(frozen=True, eq=False)
class WeekPlan:
    """A solution of a :class:`PeriodicProblem`.

    Parameters
    ----------
    days
        One plan per day of the horizon (a day without fleet or stops has an empty plan).
    patterns
        The chosen day pattern of every stop (id → bit mask).
    cost
        Sum of the day plans' costs.
    feasible
        ``False`` when some day could not serve every visit it was given (its
        plan lists them as unassigned) or its plan breaks capacity or shifts
        (that plan is marked infeasible too).
    approximate
        Whether the travel matrices were estimates.
    seed, runtime_s, rounds
        How the plan was obtained (``rounds``: pattern-change rounds run).
    """

    days: tuple[Plan, ...]
    patterns: Mapping[str, int]
    cost: int
    feasible: bool = True
    approximate: bool = False
    seed: int | None = None
    runtime_s: float = 0.0
    rounds: int = 0

    def visit_days(self, stop_id: str) -> tuple[int, ...]:
        """The days on which the stop is served."""
        return tuple(d for d, plan in enumerate(self.days) if stop_id in plan.served)

    @property
    def distance_m(self) -> int:
        """Total distance over the horizon."""
        return sum(p.distance_m for p in self.days)


def demands_by_day(problem: PeriodicProblem, patterns: Mapping[str, int]) -> list[dict[str, int]]:
    """For each day, the kg of each stop visited that day under ``patterns`` (solver side)."""
    out: list[dict[str, int]] = [{} for _ in problem.days]
    for stop in problem.stops:
        option = next(o for o in problem.options(stop.id) if o.mask == patterns[stop.id])
        for d in days_of(option.mask):
            out[d][stop.id] = option.demands[d]
    return out


__all__: Sequence[str] = (
    "MAX_DAYS",
    "DayFleet",
    "PeriodicProblem",
    "PeriodicStop",
    "VisitOption",
    "WeekPlan",
    "days_of",
    "demands_by_day",
    "forecast_levels",
    "forecast_visits",
)
