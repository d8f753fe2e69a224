"""The pickup history chart of a bin (drawn as inline SVG by a template) and its QR code to the pickup form."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from flask import url_for
from markupsafe import Markup

from app.bins.models import Bin
from app.collection.models import Pickup, fill_kg

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 600, 220, 44, 28, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kg: float
    estimated: bool  # from a fill estimate, not weighed
    when: object


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[float, float]]  # (y, kg)
    full_y: float  # the nominal full weight line
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = BOTTOM


def pickup_kg(pickup: Pickup, full_weight_kg: int) -> tuple[float, bool]:
    """Kilograms collected: weighed, or estimated from the fill percentage."""
    if pickup.weight_kg is not None:
        return float(pickup.weight_kg), False
    return float(fill_kg(pickup.fill_percent, full_weight_kg)), True


def pickup_chart(bin_: Bin, pickups: list[Pickup]) -> Chart | None:
    """Bars of kg per pickup, oldest left, with the full-weight line; None without pickups."""
    if not pickups:
        return None
    values = [pickup_kg(p, bin_.full_weight_kg) for p in pickups]
    top_kg = max(max(kg for kg, _e in values), bin_.full_weight_kg) * 1.1
    plot_h, plot_w = HEIGHT - BOTTOM - TOP, WIDTH - LEFT - 4
    step = plot_w / len(pickups)

    def y(kg: float) -> float:
        return round(TOP + plot_h * (1 - kg / top_kg), 1)

    bars = [
        Bar(
            round(LEFT + i * step + step * 0.15, 1),
            y(kg),
            round(step * 0.7, 1),
            round(plot_h * kg / top_kg, 1),
            kg,
            est,
            p.collected_at,
        )
        for i, (p, (kg, est)) in enumerate(zip(pickups, values, strict=True))
    ]
    ticks = [(y(top_kg * f / 4), top_kg * f / 4) for f in range(5)]
    return Chart(bars, ticks, y(bin_.full_weight_kg))


def pickup_form_url(bin_: Bin) -> str:
    """The absolute address of the pickup form for this bin (what its QR code encodes)."""
    return (
        url_for("main.index", _external=True).rstrip("/")
        + "/collection/pickups/new?"
        + urlencode({"code": bin_.code, "operator": bin_.operator_id})
    )


def qr_svg(text: str) -> Markup:
    """An inline SVG QR code (segno, pure Python)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True, svgclass="bin-qr")
    return Markup(buffer.getvalue().decode("utf-8"))  # noqa: S704  (segno's own output, no user text unescaped)
