"""FIT-MI routing: road networks, travel matrices and round optimisation.

A pure library: it never imports Flask or the web application. Coordinates in and
out are WGS84 lon/lat; solver inputs are integer seconds, metres and kilograms.

Road data: © OpenStreetMap contributors (ODbL).
"""

from routing.checker import CheckReport, Violation, check_plan, check_week_plan, replay
from routing.errors import (
    InvalidInputError,
    NetworkFileError,
    ProblemError,
    RoutingError,
    SnapError,
    SolveCancelled,
)
from routing.geo import Location
from routing.model import Depot, Problem, Stop, TimeWindow, Vehicle
from routing.network import RoadNetwork, TravelMatrix, build_network, load_network, route_geometry, travel_matrix
from routing.periodic import DayFleet, PeriodicProblem, PeriodicStop, WeekPlan, demands_by_day
from routing.plan import Plan, Route, Unassigned, Visit
from routing.settings import RoutingSettings
from routing.solver import solve, solve_periodic

__all__ = [
    "CheckReport",
    "DayFleet",
    "Depot",
    "InvalidInputError",
    "Location",
    "NetworkFileError",
    "PeriodicProblem",
    "PeriodicStop",
    "Plan",
    "Problem",
    "ProblemError",
    "RoadNetwork",
    "Route",
    "RoutingError",
    "RoutingSettings",
    "SnapError",
    "SolveCancelled",
    "Stop",
    "TimeWindow",
    "TravelMatrix",
    "Unassigned",
    "Vehicle",
    "Violation",
    "Visit",
    "WeekPlan",
    "build_network",
    "check_plan",
    "check_week_plan",
    "demands_by_day",
    "load_network",
    "replay",
    "route_geometry",
    "solve",
    "solve_periodic",
    "travel_matrix",
]
