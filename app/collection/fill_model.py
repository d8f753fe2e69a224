"""Fill-rate model of the bins, on plain numpy arrays (no database): fit, predict, overflow, full date.

Time is measured in local (Europe/Rome) days since 1970-01-01 as floats. A pickup empties the bin,
so the kilograms of a pickup are what accumulated since the bin's previous pickup. The accumulation
rate of bin b at time t is ``rate[b] * weekday[dow(t)] * month[month(t)]``; see docs/decisions.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

# Relative donations by month (Jan..Dec): wardrobe changes in spring (Apr-May) and autumn (Oct-Nov),
# a summer dip. Used as a prior for months with little history; data override it.
SEASONAL_PRIOR = np.array([0.95, 0.85, 0.95, 1.15, 1.25, 1.0, 0.85, 0.7, 0.95, 1.2, 1.25, 0.9])
FLAT_PRIOR = np.ones(12)
# Before any pickup has been logged anywhere: about 7.3 t per bin per year, the middle of the
# 6-10 t that Milan's operators report for a yellow bin.
DEFAULT_RATE_KG_PER_DAY = 20.0
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class History:
    """Pickups of many bins: ``bin_index``, ``day`` (local days) and ``kg`` per pickup, any order."""

    bin_index: np.ndarray
    day: np.ndarray
    kg: np.ndarray
    n_bins: int
    group: np.ndarray  # per bin: similar bins (same operator and comune)
    parent: np.ndarray  # per bin: coarser pool (same operator)


class DayFactors:
    """Daily factor grid and its running integrals, per weekday and per month."""

    def __init__(self, first_day: int, last_day: int, weekday: np.ndarray, month: np.ndarray) -> None:
        self.first = first_day
        days = np.arange(first_day, last_day + 1)
        self.dow = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        self.month = (_EPOCH + days).astype("datetime64[M]").astype(int) % 12
        self.value = weekday[self.dow] * month[self.month]
        self.cum = np.concatenate([[0.0], np.cumsum(self.value)])

    def _locate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.clip(np.floor(t).astype(int) - self.first, 0, self.value.size - 1)
        return idx, np.clip(t - (idx + self.first), 0.0, None)

    def integral(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """∫ factor dt from ``start`` to ``end``."""
        (i0, f0), (i1, f1) = self._locate(start), self._locate(end)
        return (self.cum[i1] + f1 * self.value[i1]) - (self.cum[i0] + f0 * self.value[i0])

    def weighted_parts(self, start: np.ndarray, end: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Σ weight × ∫ factor dt over the intervals, split by weekday (7 columns) then by month (12 columns).

        The same sum as weighting each interval's split row by row, gathered per day first: it costs
        the number of days, not intervals × 19 (the fit of a year of demo pickups spent most of its
        time building those rows).
        """
        one_hot = np.zeros((self.value.size, 19))
        one_hot[np.arange(self.value.size), self.dow] = 1.0
        one_hot[np.arange(self.value.size), 7 + self.month] = 1.0
        weighted = one_hot * self.value[:, None]
        cum = np.vstack([np.zeros(19), np.cumsum(weighted, axis=0)])
        (i0, f0), (i1, f1) = self._locate(start), self._locate(end)
        on_cum = np.bincount(i1, weights, cum.shape[0]) - np.bincount(i0, weights, cum.shape[0])
        on_day = np.bincount(i1, weights * f1, self.value.size) - np.bincount(i0, weights * f0, self.value.size)
        return np.asarray(on_cum @ cum + on_day @ weighted)

    def time_at(self, target: np.ndarray) -> np.ndarray:
        """The time at which the running integral reaches ``target`` (inf beyond the grid)."""
        grid = self.first + np.arange(self.cum.size, dtype=float)
        out = np.interp(target, self.cum, grid)
        return np.where(target > self.cum[-1], np.inf, out)


@dataclass(frozen=True)
class FillModel:
    rate: np.ndarray  # kg/day per bin at factor 1
    rate_var: np.ndarray  # posterior variance of the rate
    weekday: np.ndarray  # 7 factors, Monday first, mean 1
    month: np.ndarray  # 12 factors, mean 1
    dispersion: float  # kg: variance of an accumulation = dispersion * mean

    def factors(self, first_day: float, last_day: float) -> DayFactors:
        return DayFactors(int(np.floor(first_day)) - 1, int(np.ceil(last_day)) + 1, self.weekday, self.month)

    def predict(self, bins: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the kg accumulated in each bin between ``start`` and ``end``."""
        grid = self.factors(min(start.min(), end.min()), max(start.max(), end.max()))
        exposure = grid.integral(start, np.maximum(end, start))
        mean = self.rate[bins] * exposure
        var = self.dispersion * mean + exposure**2 * self.rate_var[bins]
        return mean, var


def _intervals(history: History) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive pickups of the same bin: (bin, start, end, kg) of each accumulation."""
    order = np.lexsort((history.day, history.bin_index))
    b, d, kg = history.bin_index[order], history.day[order], history.kg[order]
    same = b[1:] == b[:-1]
    keep = same & (d[1:] > d[:-1])
    return b[1:][keep], d[:-1][keep], d[1:][keep], kg[1:][keep]


def _pooled_rates(
    history: History, kg_sum: np.ndarray, exposure: np.ndarray, dispersion: float
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes rates: each bin shrunk toward its group, the group toward its operator."""
    observed = exposure > 0
    if not observed.any():  # nothing to learn from yet: the network-wide default, quite uncertain
        rate = np.full(history.n_bins, DEFAULT_RATE_KG_PER_DAY)
        return rate, (0.5 * rate) ** 2
    overall = kg_sum.sum() / exposure.sum()
    raw = np.where(observed, kg_sum / np.maximum(exposure, 1e-9), overall)
    between = np.var(raw[observed]) if observed.sum() > 1 else overall**2
    noise = np.mean(dispersion * raw[observed] / exposure[observed]) if observed.any() else 0.0
    tau2 = max(between - noise, (0.05 * overall) ** 2)
    kappa = overall * dispersion / tau2  # prior strength, in days of history
    prior = np.full(history.n_bins, overall)
    for pool in (history.parent, history.group):
        k_pool = np.bincount(pool, weights=kg_sum)
        e_pool = np.bincount(pool, weights=exposure)
        pool_prior = np.bincount(pool, weights=prior) / np.maximum(np.bincount(pool), 1)
        prior = ((k_pool + kappa * pool_prior) / (e_pool + kappa))[pool]
    rate = (kg_sum + kappa * prior) / (exposure + kappa)
    return rate, rate * dispersion / (exposure + kappa)


def _update_factors(
    current: np.ndarray, alloc: np.ndarray, expected: np.ndarray, prior: np.ndarray, strength: float
) -> np.ndarray:
    """One EM step for multiplicative factors, with pseudo-observations of the prior."""
    new = (alloc + strength * prior) / (expected / current + strength)
    return new / new.mean()


def _em_step(
    grid: DayFactors, b: np.ndarray, start: np.ndarray, end: np.ndarray, kg: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rates given the factors, then kg observed and expected per weekday and month (19 columns)."""
    exposure = grid.integral(start, end)
    kg_sum = np.bincount(b, weights=kg, minlength=n_bins)
    exp_sum = np.bincount(b, weights=exposure, minlength=n_bins)
    rate = np.where(exp_sum > 0, kg_sum / np.maximum(exp_sum, 1e-9), 0.0)
    alloc = grid.weighted_parts(start, end, kg / np.maximum(exposure, 1e-9))
    expected = grid.weighted_parts(start, end, rate[b])
    return rate, exposure, alloc, expected


def fit_fill_model(
    history: History, seasonal_prior: np.ndarray = SEASONAL_PRIOR, iterations: int = 8, prior_days: float = 3.0
) -> FillModel:
    """Fit rates, weekday and month factors by EM on interval-censored accumulations."""
    b, start, end, kg = _intervals(history)
    weekday, month = np.ones(7), seasonal_prior / seasonal_prior.mean()
    if not b.size:
        zeros = np.zeros(history.n_bins)
        rate, rate_var = _pooled_rates(history, zeros, zeros, 1.0)
        return FillModel(rate, rate_var, weekday, month, 1.0)
    first, last = int(start.min()) - 1, int(end.max()) + 1
    for _ in range(iterations):
        grid = DayFactors(first, last, weekday, month)
        rate, _exposure, alloc, expected = _em_step(grid, b, start, end, kg, history.n_bins)
        strength = prior_days * rate.sum()
        weekday = _update_factors(weekday, alloc[:7], expected[:7], np.ones(7), strength)
        month = _update_factors(month, alloc[7:], expected[7:], seasonal_prior, strength)
    rate, exposure, _alloc, _expected = _em_step(
        DayFactors(first, last, weekday, month), b, start, end, kg, history.n_bins
    )
    fitted = np.maximum(rate[b] * exposure, 1e-9)
    dispersion = float(max(np.sum((kg - fitted) ** 2 / fitted) / max(b.size - history.n_bins, 1), 1.0))
    kg_sum = np.bincount(b, weights=kg, minlength=history.n_bins)
    exp_sum = np.bincount(b, weights=exposure, minlength=history.n_bins)
    rate, rate_var = _pooled_rates(history, kg_sum, exp_sum, dispersion)
    return FillModel(rate, rate_var, weekday, month, dispersion)


def overflow_probability(mean: np.ndarray, var: np.ndarray, room_kg: np.ndarray) -> np.ndarray:
    """P(accumulation ≥ room) under a Gamma matched to mean and variance."""
    mean = np.maximum(mean, 1e-9)
    var = np.maximum(var, 1e-9)
    p = stats.gamma.sf(np.maximum(room_kg, 0.0), a=mean**2 / var, scale=var / mean)
    return np.where(room_kg <= 0, 1.0, p)


def full_time(model: FillModel, bins: np.ndarray, start: np.ndarray, room_kg: np.ndarray, until: float) -> np.ndarray:
    """When each bin's expected accumulation since ``start`` reaches ``room_kg`` (inf after ``until``)."""
    grid = model.factors(start.min(), max(until, start.max()))
    begin = grid.integral(np.full_like(start, grid.first), start)
    needed = room_kg / np.maximum(model.rate[bins], 1e-9)
    return np.where(room_kg <= 0, start, grid.time_at(begin + needed))
