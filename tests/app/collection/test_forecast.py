"""Fill forecasting: the pure maths on arrays, and forecast_bins on the database."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np

from app.collection import services
from app.collection.fill_model import FLAT_PRIOR, History, fit_fill_model, full_time, overflow_probability
from app.collection.forecast import forecast_bins
from app.core.clock import utcnow
from tests.app.factories import BinFactory, UserFactory

WEEKDAY = np.array([1.0, 0.9, 0.9, 1.0, 1.1, 1.3, 0.8])


def _history(rates: np.ndarray, group: np.ndarray, seed: int = 1, weekday: np.ndarray = WEEKDAY) -> History:
    """Irregular pickups (every 2-7 days) of bins filling at ``rates`` kg/day with a weekday pattern."""
    rng = np.random.default_rng(seed)
    w = weekday / weekday.mean()
    bins, days, kgs = [], [], []
    for b, rate in enumerate(rates):
        t = np.cumsum(np.concatenate([[20000.3], rng.choice([2.0, 3.0, 4.0, 7.0], 60)]))
        daily = w[(np.arange(19990, 20500) + 3) % 7] * rate
        cum = np.concatenate([[0.0], np.cumsum(daily)])
        acc = np.diff(np.interp(t - 19990, np.arange(cum.size), cum))
        bins += [b] * t.size
        days += list(t)
        kgs += [0.0, *rng.gamma(acc / 4, 4)]
    return History(np.array(bins), np.array(days), np.array(kgs), len(rates), group, np.zeros(len(rates), dtype=int))


def test_rates_are_recovered_from_irregular_intervals():
    rates = np.array([10.0, 20.0, 40.0])
    model = fit_fill_model(_history(rates, np.arange(3)), FLAT_PRIOR)
    assert np.allclose(model.rate, rates, rtol=0.1)


def test_the_weekday_pattern_is_recovered_from_all_bins():
    rates = np.full(60, 20.0)
    model = fit_fill_model(_history(rates, np.zeros(60, dtype=int)), FLAT_PRIOR)
    assert model.weekday[5] > 1.05  # Saturday, the busiest day, stands out
    assert model.weekday[1] < 0.95  # a quiet Tuesday


def test_a_bin_without_history_gets_the_rate_of_its_similar_bins():
    rates = np.array([30.0, 30.0, 30.0, 8.0, 8.0, 8.0])
    group = np.array([0, 0, 0, 1, 1, 1, 1])
    full = _history(rates, group[:6])
    history = History(full.bin_index, full.day, full.kg, 7, group, np.zeros(7, dtype=int))
    model = fit_fill_model(history, FLAT_PRIOR)
    assert abs(model.rate[6] - 8.0) < 2.5


def test_overflow_probability_grows_with_the_expected_fill():
    mean = np.array([100.0, 300.0, 500.0])
    p = overflow_probability(mean, mean * 6, np.full(3, 350.0))
    assert p[0] < 0.01 < p[1] < 0.5 < p[2] <= 1


def test_the_full_date_is_when_the_expected_fill_reaches_the_room_left():
    model = fit_fill_model(_history(np.array([20.0]), np.zeros(1, dtype=int)), FLAT_PRIOR)
    when = full_time(model, np.array([0]), np.array([20400.0]), np.array([200.0]), 20800.0)
    assert 8 < when[0] - 20400 < 12


def test_forecast_bins_uses_the_bins_history_and_a_later_sensor_reading():
    user = UserFactory(role="coordinator")
    busy, fresh = BinFactory(), BinFactory()
    now = utcnow()
    for days_ago in (30, 25, 20, 15, 10, 5):
        data = services.PickupData(
            bin_id=busy.id, weight_kg=Decimal("150"), collected_at=now - timedelta(days=days_ago)
        )
        services.record_pickup(data, user)
    forecast = forecast_bins([busy.id, fresh.id], now)
    assert 100 < forecast[busy.id].predicted_kg < 200  # about 30 kg/day for five days
    assert forecast[busy.id].full_date is not None
    services.record_fill_reading(busy.id, 90, user, measured_at=now - timedelta(hours=1))
    later = forecast_bins([busy.id], now)[busy.id]
    assert later.fill_ratio > 0.9
    assert later.overflow_probability > forecast[busy.id].overflow_probability
