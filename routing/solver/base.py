"""The seam between :func:`routing.solver.solve` and the solver engines behind it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from routing.model import Problem
from routing.plan import Plan

#: Called with ``(elapsed seconds, best cost so far)`` whenever the best plan improves.
ProgressCallback = Callable[[float, int], None]


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
        time_limit_s: float,
        seed: int,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        max_iterations: int | None,
        workers: int,
        relax_required: bool,
    ) -> Plan:
        """Solve ``problem``; see :func:`routing.solver.solve` for the parameters."""
        ...
