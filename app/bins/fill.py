"""What the bin pages show of a bin's fill: forecasts and the pickup history, supplied from above.

Pickups and the fill forecast belong to ``collection``, which sits above ``bins`` (a pickup is made
at a bin), so the bin pages cannot import them. ``create_app`` registers a :class:`FillSource`
(``app.collection.bin_pages.register``); without one the pages show no forecast and no history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from app.bins.models import Bin


class FillForecast(Protocol):
    """The part of a forecast the bin pages read (the detail template reads more of it)."""

    @property
    def fill_ratio(self) -> float: ...


@dataclass(frozen=True)
class FillSource:
    """``forecasts`` answers for many bins at a time; ``detail`` gives the detail page's template values
    (pickups, chart, pickup form link …)."""

    forecasts: Callable[[list[int], datetime], Mapping[int, FillForecast]]
    detail: Callable[[Bin], dict[str, Any]]


_SOURCE: list[FillSource] = []


def register(source: FillSource) -> None:
    _SOURCE[:] = [source]


def forecasts(bin_ids: list[int], at: datetime) -> Mapping[int, FillForecast]:
    return _SOURCE[0].forecasts(bin_ids, at) if _SOURCE else {}


def detail(bin_: Bin) -> dict[str, Any]:
    return _SOURCE[0].detail(bin_) if _SOURCE else {}
