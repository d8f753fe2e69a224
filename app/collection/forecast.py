"""Fill forecasts of bins: predicted kg, overflow probability and expected full date at any time.

The maths lives in ``app.collection.fill_model`` on plain arrays; this module loads the pickups
(one query) and the latest fill readings of every bin, fits the model and answers per bin. The bin
pages show the answers through ``app.bins.fill`` (registered in ``app.collection.bin_pages``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import DateTime, Select, func, select, type_coerce

from app.bins.models import Bin
from app.collection.citizen_reports import spurious_readings
from app.collection.fill_model import FillModel, History, fit_fill_model, full_time, overflow_probability
from app.collection.models import FillReading, Pickup
from app.core.clock import ROME
from app.extensions import db

FULL_DATE_HORIZON_DAYS = 365.0


@dataclass(frozen=True)
class BinForecast:
    predicted_kg: float
    fill_ratio: float  # predicted kg / bin.full_weight_kg
    overflow_probability: float
    full_date: date | None  # when the expected fill reaches the bin's full weight (Europe/Rome)


def local_days(moments: list[datetime]) -> np.ndarray:
    """Europe/Rome days since 1970-01-01, as floats, of aware datetimes."""
    if not moments:
        return np.zeros(0)
    local = pd.DatetimeIndex(pd.to_datetime(moments, utc=True)).tz_convert(ROME).tz_localize(None)
    return np.asarray((local - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1), dtype=float)


def day_to_date(day: float) -> date:
    return date(1970, 1, 1) + timedelta(days=int(np.floor(day)))


@dataclass(frozen=True)
class _Fleet:
    """Every bin's attributes, aligned by index, and its pickups as a History."""

    ids: np.ndarray
    full_kg: np.ndarray
    created: np.ndarray
    history: History


def _pooling_keys(operator_ids: list[int], comune_codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    _, parent = np.unique(np.array(operator_ids), return_inverse=True)
    pairs = [f"{o}/{c}" for o, c in zip(operator_ids, comune_codes, strict=True)]
    _, group = np.unique(np.array(pairs), return_inverse=True)
    return group, parent


def _columns(query: Select[Any], width: int) -> list[list[Any]]:
    """The columns of a query's rows, read through the connection: the fleet's tens of thousands of pickups
    do not need ORM rows (a noticeable part of the first load of the bin list)."""
    rows = db.session.connection().execute(query).all()
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def _raw_moment(column: Any) -> Any:
    """A UTC time column without the per-row conversion to aware datetimes: ``local_days`` reads naive ones as
    UTC, and converting tens of thousands of rows one by one in Python is most of the fleet's loading time."""
    return type_coerce(column, DateTime(timezone=True))


def _load_fleet(until: datetime) -> _Fleet:
    """All bins (pooling needs the neighbours too) and every valid pickup before ``until``."""
    bin_ids, full_weights, operators, comuni, created = _columns(
        select(Bin.id, Bin.full_weight_kg, Bin.operator_id, Bin.comune_code, Bin.created_at).order_by(Bin.id), 5
    )
    ids = np.array(bin_ids, dtype=int)
    full_kg = np.array(full_weights, dtype=float)
    group, parent = _pooling_keys(operators, comuni)
    pickup_bins, collected, weights, fills = _columns(
        select(Pickup.bin_id, _raw_moment(Pickup.collected_at), Pickup.weight_kg, Pickup.fill_percent)
        .where(
            Pickup.superseded.is_(False),
            Pickup.collected_at <= until,
            # a visit that found the bin inaccessible or missing did not empty it
            Pickup.weight_kg.is_not(None) | Pickup.fill_percent.is_not(None),
        )
        .order_by(Pickup.id),
        4,
    )
    index = np.searchsorted(ids, np.array(pickup_bins, dtype=int))
    kg = np.array([np.nan if w is None else float(w) for w in weights], dtype=float)
    fill = np.array([np.nan if f is None else f for f in fills], dtype=float)
    if pickup_bins:
        kg = np.where(np.isnan(kg), np.nan_to_num(fill) / 100.0 * full_kg[index], kg)
    history = History(index, local_days(collected), kg, len(ids), group, parent)
    return _Fleet(ids, full_kg, local_days(created), history)


def _starting_points(fleet: _Fleet, idx: np.ndarray, until: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Per asked bin: when it was last emptied (or installed) and the kg in it then, or at a later sensor reading."""
    h = fleet.history
    last = np.full(fleet.ids.size, -np.inf)
    np.maximum.at(last, h.bin_index, h.day)
    start = np.where(np.isfinite(last), last, fleet.created)[idx]
    level = np.zeros(idx.size)
    latest = (
        select(FillReading.bin_id, func.max(FillReading.measured_at).label("measured_at"))
        .where(
            FillReading.bin_id.in_(fleet.ids[idx].tolist()),
            FillReading.measured_at <= until,
            FillReading.id.not_in(spurious_readings()),  # citizens' reports an operator found unfounded
        )
        .group_by(FillReading.bin_id)
        .subquery()
    )
    readings = db.session.execute(
        select(FillReading.bin_id, FillReading.measured_at, FillReading.fill_percent).join(
            latest,
            (FillReading.bin_id == latest.c.bin_id) & (FillReading.measured_at == latest.c.measured_at),
        )
    ).all()
    position = {int(b): i for i, b in enumerate(fleet.ids[idx])}
    for bin_id, measured_at, fill in readings:
        pos, day = position[bin_id], float(local_days([measured_at])[0])
        if day > start[pos]:
            start[pos], level[pos] = day, fill / 100.0 * fleet.full_kg[idx][pos]
    return start, level


def forecast_from_model(
    model: FillModel, bins: np.ndarray, start: np.ndarray, level: np.ndarray, full_kg: np.ndarray, at: float
) -> list[BinForecast]:
    """Forecasts at local day ``at`` for bins emptied at ``start`` holding ``level`` kg then."""
    end = np.maximum(np.full(bins.size, at), start)
    mean, var = model.predict(bins, start, end)
    predicted = level + mean
    overflow = overflow_probability(mean, var, full_kg - level)
    full = full_time(model, bins, start, full_kg - level, at + FULL_DATE_HORIZON_DAYS)
    return [
        BinForecast(
            predicted_kg=float(predicted[i]),
            fill_ratio=float(predicted[i] / full_kg[i]),
            overflow_probability=float(overflow[i]),
            full_date=day_to_date(full[i]) if np.isfinite(full[i]) else None,
        )
        for i in range(bins.size)
    ]


_cache: dict[tuple[object, ...], tuple[_Fleet, FillModel]] = {}


def _fitted(until: datetime) -> tuple[_Fleet, FillModel]:
    """The fleet's history and fitted model, refitted only when the pickups or bins seen change."""
    valid = (Pickup.superseded.is_(False), Pickup.collected_at <= until)
    pickups = db.session.execute(
        select(func.count(), func.max(Pickup.id), func.max(Pickup.recorded_at)).where(*valid)
    ).one()
    bins = db.session.execute(select(func.count(), func.max(Bin.id), func.max(Bin.updated_at))).one()
    key = (str(db.engine.url), *pickups, *bins)
    if key not in _cache:
        fleet = _load_fleet(until)
        _cache.clear()
        _cache[key] = (fleet, fit_fill_model(fleet.history))
    return _cache[key]


def forecast_bins(bin_ids: list[int], at: datetime) -> dict[int, BinForecast]:
    """Forecast of each bin at ``at`` (aware); bins without history get the estimate of similar bins."""
    if not bin_ids:
        return {}
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    fleet, model = _fitted(at)
    wanted = np.array(sorted(set(bin_ids)), dtype=int)
    idx = np.searchsorted(fleet.ids, wanted)
    known = (idx < fleet.ids.size) & (fleet.ids[np.minimum(idx, fleet.ids.size - 1)] == wanted)
    idx = idx[known]
    start, level = _starting_points(fleet, idx, at)
    results = forecast_from_model(model, idx, start, level, fleet.full_kg[idx], float(local_days([at])[0]))
    return dict(zip(fleet.ids[idx].tolist(), results, strict=True))


@dataclass(frozen=True)
class FillCurve:
    """The expected kg in a bin over the coming days, with one standard deviation either side."""

    days: np.ndarray  # days from ``at``
    kg: np.ndarray
    sd_kg: np.ndarray


def fill_curve(bin_id: int, at: datetime, horizon_days: float = 14.0, step_days: float = 0.25) -> FillCurve | None:
    """The forecast of one bin from ``at`` to ``horizon_days`` later; None for a bin the model does not know."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    fleet, model = _fitted(at)
    idx = np.searchsorted(fleet.ids, [bin_id])
    if idx[0] >= fleet.ids.size or fleet.ids[idx[0]] != bin_id:
        return None
    start, level = _starting_points(fleet, idx, at)
    days = np.arange(0.0, horizon_days + step_days / 2, step_days)
    now = float(local_days([at])[0])
    end = np.maximum(now + days, start[0])
    mean, var = model.predict(np.full(days.size, idx[0]), np.full(days.size, start[0]), end)
    return FillCurve(days, level[0] + mean, np.sqrt(var))
