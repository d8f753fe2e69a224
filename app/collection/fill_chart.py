"""The fill forecast of a bin as a chart (inline SVG drawn by a template): % of the full weight, and kg, by day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.bins.models import Bin
from app.collection.forecast import FillCurve

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 600, 240, 52, 52, 12, 40


@dataclass(frozen=True)
class FillChart:
    line: str  # polyline points of the expected fill
    band: str  # polygon points of ± one standard deviation
    y_ticks: list[tuple[float, int, float]]  # (y, percent, kg)
    x_ticks: list[tuple[float, int]]  # (x, days from now)
    full_y: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _points(xs: np.ndarray, ys: np.ndarray) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


def fill_chart(bin_: Bin, curve: FillCurve | None) -> FillChart | None:
    """Axes in days from now and in % of the bin's full weight (kg on the right); None without a forecast."""
    if curve is None or not curve.days.size:
        return None
    percent = curve.kg / bin_.full_weight_kg * 100
    high = (curve.kg + curve.sd_kg) / bin_.full_weight_kg * 100
    low = np.maximum(curve.kg - curve.sd_kg, 0) / bin_.full_weight_kg * 100
    top_percent = max(125, int(np.ceil(min(high.max(), 300) / 25) * 25))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = float(curve.days[-1]) or 1.0

    def x(days: np.ndarray) -> np.ndarray:
        return LEFT + plot_w * days / span

    def y(values: np.ndarray) -> np.ndarray:
        return TOP + plot_h * (1 - np.minimum(values, top_percent) / top_percent)

    xs = x(curve.days)
    band = _points(np.concatenate([xs, xs[::-1]]), np.concatenate([y(high), y(low)[::-1]]))
    step = 25 if top_percent <= 150 else 50
    y_ticks = [
        (round(float(y(np.array(p))), 1), p, p * bin_.full_weight_kg / 100) for p in range(0, top_percent + 1, step)
    ]
    day_step = 2 if span <= 14 else 7
    x_ticks = [(round(float(x(np.array(d))), 1), d) for d in range(0, int(span) + 1, day_step)]
    return FillChart(_points(xs, y(percent)), band, y_ticks, x_ticks, round(float(y(np.array(100.0))), 1))
