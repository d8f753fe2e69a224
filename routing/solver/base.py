"""The seam between :func:`routing.solver.solve` and the solver engines behind it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from routing.model import Problem
from routing.plan import Plan

#: A problem with this many clients (stops) or more is large: PyVRP searches it with other
#: parameters (:func:`routing.solver.pyvrp_search.params_for`) and, when the caller does not
#: say, with two searches (:func:`routing.solver.auto_workers`).
LARGE_CLIENTS = 400

#: Called with ``(elapsed seconds, best cost so far)`` whenever the best plan improves.
ProgressCallback = Callable[[float, int], None]


#: A monotonic clock in seconds (``time.monotonic``; tests pass a fake one).
Clock = Callable[[], float]


class Deadline:
    """When a solve must be over: an absolute time on a monotonic clock, fixed when the solve starts.

    Parameters
    ----------
    seconds
        The budget, counted from now.
    clock
        The clock; ``time.monotonic`` (system-wide on Linux, so worker processes
        can share the end time).
    """

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.start = clock()
        self.end = self.start + seconds

    def remaining(self) -> float:
        """Seconds left (negative once past)."""
        return self.end - self.clock()

    def elapsed(self) -> float:
        """Seconds since the solve started."""
        return self.clock() - self.start

    def share(self, fraction: float) -> float:
        """The time (on this clock) when ``fraction`` of what remains now will have passed."""
        now = self.clock()
        return now + fraction * max(self.end - now, 0.0)


class CancelToken(Protocol):
    """Anything with ``is_set()``, e.g. :class:`threading.Event`; set it to cancel a solve."""

    def is_set(self) -> bool:
        """Whether cancellation was requested."""
        ...


class Backend(Protocol):
    """A solver engine. :class:`~routing.solver.pyvrp_backend.PyVRPBackend` is the default."""

    name: str

    def solve(
        self,
        problem: Problem,
        *,
        deadline: Deadline,
        seed: int,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        max_iterations: int | None,
        workers: int,
        relax_required: bool,
    ) -> Plan:
        """Solve ``problem``; see :func:`routing.solver.solve` for the parameters."""
        ...
