"""KPI charts as inline SVG drawn by matplotlib on the server: they print, and need no script or CDN.

Text stays text in the SVG (``svg.fonttype = none``) and each chart carries its summary as
``aria-label``; the page shows the same words and the chart's table beside it.
"""

from __future__ import annotations

import io
import re

import matplotlib
from markupsafe import Markup, escape
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from app.i18n import fmt_number

matplotlib.use("Agg")
COLOUR = "#2b6cb0"
WIDTH_IN = 6.4
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "fitmi",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_HEADER = re.compile(r"^.*?(<svg)", re.S)


def bar_chart(labels: list[str], values: list[float], unit: str, summary: str) -> Markup:
    """Horizontal bars, one per label, top to bottom in the given order, with the value written at each bar."""
    height = 0.6 + 0.28 * max(len(labels), 1)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH_IN, height), dpi=72)
        # Fixed margins: room for the longest label at the left (a layout engine costs ~50 ms a chart).
        longest = max((len(label) for label in labels), default=4)
        figure.subplots_adjust(
            left=min(0.08 + 0.0135 * longest, 0.45), right=0.97, top=1 - 0.15 / height, bottom=0.5 / height
        )
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, values, color=COLOUR, height=0.7)
        axes.set_yticks(positions, labels)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt_number(x, 0)))
        axes.set_xlabel(unit)
        top = max(values, default=0) or 1
        axes.set_xlim(0, top * 1.18)
        for y, value in zip(positions, values, strict=True):
            axes.text(value + top * 0.01, y, fmt_number(value, 0 if value >= 100 else 1), va="center", fontsize=8)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _HEADER.sub(r"\1", buffer.getvalue(), count=1)
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{escape(summary)}" class="kpi-chart"', 1)
    return Markup(svg)  # noqa: S704  (matplotlib's own output; the only text added is escaped)
