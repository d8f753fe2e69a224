"""Plain records exchanged with the routing adapter (no `routing` import here), and its input error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.errors import ValidationError


class PlanningInputError(ValidationError):
    """The planning inputs cannot be routed (site off the road network, no vehicles...)."""


@dataclass(frozen=True)
class SiteRecord:
    """A depot or sorting plant: ``key`` is unique among sites and stops."""

    key: str
    name: str
    lon: float
    lat: float
    service_s: int = 600


@dataclass(frozen=True)
class StopRecord:
    """A bin to empty (``kind="pickup"``) or a delivery; optional stops carry a prize (cost units).

    Deliveries also load the van in packed litres and in pieces; ``window`` is in seconds from local midnight.
    """

    key: str
    lon: float
    lat: float
    demand_kg: int
    service_s: int = 180
    required: bool = True
    prize: int = 0
    kind: str = "pickup"
    window: tuple[int, int] | None = None
    volume_l: int = 0
    pieces: int = 0


@dataclass(frozen=True)
class VehicleRecord:
    """One truck; shift and costs in seconds from local midnight and cost units per metre/second.

    ``capacity_l`` and ``capacity_pieces`` only count for stops that load litres or pieces (None = no limit).
    """

    key: str
    capacity_kg: int
    shift: tuple[int, int]
    start: str
    end: str
    reloads: tuple[str, ...] = ()
    cost_per_m: int = 1
    cost_per_s: int = 0
    fixed_cost: int = 0
    capacity_l: int | None = None
    capacity_pieces: int | None = None
    end_empty: bool = False  # unload at one of ``reloads`` just before ``end``


@dataclass(frozen=True)
class VisitResult:
    kind: str  # depot | stop | reload
    key: str
    arrival_s: int
    departure_s: int
    load_kg: int
    distance_m: int


@dataclass(frozen=True)
class RouteResult:
    vehicle_key: str
    visits: tuple[VisitResult, ...]

    @property
    def distance_m(self) -> int:
        return sum(v.distance_m for v in self.visits)

    @property
    def start_s(self) -> int:
        return self.visits[0].arrival_s

    @property
    def end_s(self) -> int:
        return self.visits[-1].arrival_s


@dataclass(frozen=True)
class SolveResult:
    routes: tuple[RouteResult, ...]
    unassigned: dict[str, str]  # key -> Italian reason
    cost: int  # cost units of the routes alone (prizes of the bins left out excluded)
    progress: tuple[tuple[float, int], ...] = field(default=())


@dataclass(frozen=True)
class Recheck:
    """Outcome of re-checking hand-edited sequences: routes recomputed, violations if any."""

    routes: tuple[RouteResult, ...]
    violations: tuple[str, ...]
    cost: int


@dataclass(frozen=True)
class RoadPath:
    """The road path of a route: GeoJSON LineString, street names per leg, length."""

    geometry: dict[str, Any]
    streets: list[list[str]]
    distance_m: int


@dataclass(frozen=True)
class WeekStopRecord:
    """A bin over a planning horizon: its level at day 0's round, what it gains a day, and what it holds."""

    key: str
    lon: float
    lat: float
    daily_kg: int
    full_kg: int
    initial_kg: int
    service_s: int = 180
    emptied_days: int = 0  # days (bit d = day d) a round already published empties it
    days_after: int | None = None  # days from the last day to its next round (None: the week's)


@dataclass(frozen=True)
class WeekDayResult:
    """One day of a week plan: its routes, the kg of each bin visited that day, and the day's problem."""

    result: SolveResult
    kg: dict[str, int]
    built: Any = None  # adapters.Built of the day, None on a day without rounds


@dataclass(frozen=True)
class WeekResult:
    """A week plan: its days, and the bins (keys) that overflow before the next round whatever the visit days."""

    days: tuple[WeekDayResult, ...]
    overflowing: tuple[str, ...] = ()
