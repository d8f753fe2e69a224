"""Helpers for the optimiser tests: tiny line instances and a checked solve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from routing.checker import check_plan
from routing.model import Depot, Problem, Stop, Vehicle
from routing.plan import Plan
from routing.solver import solve


def line_problem(
    positions: Sequence[int], stops: Sequence[Stop], vehicles: Sequence[Vehicle], depots: Sequence[Depot] | None = None
) -> Problem:
    """A problem on a line: location i sits at ``positions[i]``; 1 m = 1 s of travel."""
    pos = np.asarray(positions)
    matrix = np.abs(pos[:, None] - pos[None, :])
    return Problem(tuple(depots or (Depot("plant"),)), tuple(vehicles), tuple(stops), matrix, matrix)


def checked_solve(problem: Problem, **kwargs: Any) -> Plan:
    """Solve with a short budget and assert the independent checker agrees."""
    kwargs.setdefault("time_limit_s", 0.5)
    kwargs.setdefault("seed", 1)
    kwargs.setdefault("max_iterations", 300)
    plan = solve(problem, **kwargs)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    assert report.cost == plan.cost
    return plan


@pytest.fixture
def truck() -> Vehicle:
    return Vehicle("truck", "plant", capacity_kg=10, count=2)
