"""The monthly report for the Città metropolitana: an Italian PDF of one month's figures.

It holds the KPIs of the month with their charts and tables, the choropleth of kg per inhabitant,
the chain balance of the month's kilos hop by hop, the notable differences (unexplained first,
then explained) and the method notes. ``flask reports monthly --month YYYY-MM`` writes it; the KPI
page downloads it. Figures come from the same services as the pages (``app.reports.kpis``,
``app.chain``), so the PDF and the pages never disagree.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.chain import balance
from app.chain.flow import Flow, Scope, follow
from app.chain.pieces import Pieces as ChainPieces
from app.chain.pieces import follow_pieces
from app.errors import ValidationError
from app.reports import charts, tables
from app.reports.kpis import KpiFilter, Kpis, compute
from app.reports.maps import choropleth_svg

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None) -> date:
    """``YYYY-MM`` → the month's first day; a clear message otherwise."""
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationError(_("Mese non valido: scrivilo come AAAA-MM, per esempio 2026-11."), field="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def last_day(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class MonthlyReport:
    first: date
    last: date
    kpis: Kpis
    tables: list[tables.Table]
    charts: dict[str, Markup]
    choropleth: Markup
    flow: Flow
    pieces: ChainPieces
    hops: list[balance.Hop]

    @property
    def unexplained(self) -> list[balance.Record]:
        return [r for h in self.hops for r in h.unexplained]

    @property
    def explained(self) -> list[balance.Record]:
        return [r for h in self.hops for r in h.explained]


def build(first: date, operator_id: int | None = None) -> MonthlyReport:
    """Every figure of the month (of one operator's bins and plants when ``operator_id`` is given)."""
    last = last_day(first)
    kpis = compute(KpiFilter(first, last, operator_id=operator_id))
    found = tables.tables(kpis)
    drawn = {t.key: charts.bar_chart(*t.chart, t.summary) for t in found if t.chart}
    per_inhabitant = {c.code: c.kg_per_inhabitant for c in kpis.collected.by_comune if c.kg_per_inhabitant}
    title = _("kg raccolti per abitante, %(month)s", month=first.strftime("%m/%Y"))
    flow = follow(Scope(first, last, operator_id=operator_id))
    pieces = follow_pieces(flow)
    return MonthlyReport(
        first=first,
        last=last,
        kpis=kpis,
        tables=found,
        charts=drawn,
        choropleth=Markup(choropleth_svg(per_inhabitant, title, _("kg/ab."))),  # noqa: S704 (built from numbers and escaped names)
        flow=flow,
        pieces=pieces,
        hops=balance.hops(flow, pieces),
    )


def as_image(svg: str) -> Markup:
    """An inline SVG as an <img> data URI: WeasyPrint draws SVG images with their own styles (fill, stroke),
    which it ignores on SVG elements inlined in the HTML."""
    if not svg:
        return Markup("")
    data = base64.b64encode(str(svg).encode()).decode()
    return Markup(f'<img alt="" src="data:image/svg+xml;base64,{data}">')  # noqa: S704 (base64 of our own SVG)


def render_html(report: MonthlyReport) -> str:
    with force_locale("it"):
        return render_template("reports/monthly_pdf.html", report=report, as_image=as_image)


def render_pdf(report: MonthlyReport, base_url: str = "") -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(report), base_url=base_url or None).write_pdf()  # type: ignore[no-any-return]


def filename(first: date) -> str:
    return f"fitmi_rapporto_mensile_{first:%Y-%m}.pdf"


def context_numbers(report: MonthlyReport) -> dict[str, Any]:
    """The headline figures, as printed (for the CLI summary)."""
    return {
        "kg": report.kpis.collected.kg,
        "pickups": report.kpis.collected.pickups,
        "households": report.kpis.households,
        "unexplained": len(report.unexplained),
    }
