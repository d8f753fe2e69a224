"""Route sheets on paper (PDF with a server-drawn map and a QR code per stop), GPX for navigators, round reports."""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import segno
from flask import render_template

from app.auth.models import User
from app.rounds import driver_services as services
from app.rounds import photos, unload
from app.rounds.collection_stops import skip_reason_labels
from app.rounds.models import RoundPlan, RoundRoute, RouteStop, StopKind, StopStatus

GPX_NS = "http://www.topografix.com/GPX/1/1"
PICKUP_FORM = "collection/pickups/new"
ATTRIBUTION = "© OpenStreetMap contributors"


def route_line(route: RoundRoute) -> list[tuple[float, float]]:
    """The road path (lon, lat) of the route, or straight lines through its points when none was saved."""
    try:
        geometry = json.loads(route.geometry_json or "null")
    except ValueError:
        geometry = None
    if isinstance(geometry, dict) and geometry.get("type") == "LineString" and len(geometry.get("coordinates", ())) > 1:
        return [(float(lon), float(lat)) for lon, lat, *_ in geometry["coordinates"]]
    return [
        (route.start_site.lon, route.start_site.lat),
        *((stop.lon, stop.lat) for stop in route.stops),
        (route.end_site.lon, route.end_site.lat),
    ]


def route_gpx(route: RoundRoute, user: User | None = None) -> str:
    """GPX 1.1: a waypoint per stop in visiting order (name = number + bin code) and the road path as a track.

    Stops whose point ``user`` may not see (a household's door) have no waypoint, and the track is left out.
    """
    sheet = services.route_sheet(route, user)
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "FIT-MI Logistica"})
    metadata = ET.SubElement(root, f"{{{GPX_NS}}}metadata")
    ET.SubElement(metadata, f"{{{GPX_NS}}}name").text = _title(route)
    ET.SubElement(metadata, f"{{{GPX_NS}}}copyright", {"author": "OpenStreetMap contributors"})
    for row in (row for row in sheet["stops"] if row["lon"] is not None):
        point = ET.SubElement(root, f"{{{GPX_NS}}}wpt", {"lat": f"{row['lat']:.6f}", "lon": f"{row['lon']:.6f}"})
        ET.SubElement(point, f"{{{GPX_NS}}}name").text = f"{row['sequence']} {row['label']}"
        ET.SubElement(point, f"{{{GPX_NS}}}desc").text = row["address"]
        ET.SubElement(point, f"{{{GPX_NS}}}type").text = row["kind"]
    track = ET.SubElement(root, f"{{{GPX_NS}}}trk")
    ET.SubElement(track, f"{{{GPX_NS}}}name").text = _title(route)
    segment = ET.SubElement(track, f"{{{GPX_NS}}}trkseg")
    for lon, lat in [] if services.hides_points(sheet) else route_line(route):
        ET.SubElement(segment, f"{{{GPX_NS}}}trkpt", {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _title(route: RoundRoute) -> str:
    return f"FIT-MI {route.plan.service_date.isoformat()} {route.vehicle.plate}"


def pickup_form_url(host_url: str, row: Mapping[str, Any]) -> str:
    """The pickup form of a stop's bin, pre-filled: what its QR code opens."""
    query = urlencode({"code": row["bin_code"], "operator": row["operator_id"]})
    return f"{host_url.rstrip('/')}/{PICKUP_FORM}?{query}"


def qr_png(url: str) -> str:
    """A QR code as a small PNG data URI (WeasyPrint draws SVG paths about 20 times slower)."""
    # A fixed mask skips segno's best-mask search (40 ms a code); every mask decodes the same.
    return segno.make(url, error="m", mask=0, micro=False).png_data_uri(scale=4, border=1)


def drawn_points(route: RoundRoute, sheet: Mapping[str, Any]) -> tuple[list[tuple[float, float]], list[Any]]:
    """What the overview map draws: the stops whose point the sheet shows, and the road path only when it
    hides none (the path runs to every door); otherwise just the start and end sites."""
    stops = [row for row in sheet["stops"] if row["lon"] is not None]
    if services.hides_points(sheet):
        sites = (route.start_site, route.end_site)
        return [(site.lon, site.lat) for site in sites], stops
    return route_line(route), stops


def overview_map_png(route: RoundRoute, sheet: Mapping[str, Any], width_px: int = 1400, height_px: int = 900) -> str:
    """The route's road path and numbered stops drawn on the server, as a PNG data URI."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    start = route.start_site
    line, stops = drawn_points(route, sheet)
    figure = Figure(figsize=(width_px / 200, height_px / 200), dpi=200)
    axes = figure.add_axes((0, 0, 1, 1))
    scale = math.cos(math.radians(sum(lat for _, lat in line) / len(line)))
    axes.plot([lon * scale for lon, _ in line], [lat for _, lat in line], color="#1b5e20", linewidth=2, zorder=2)
    for stop in stops:
        colour = "#0d47a1" if stop["kind"] == StopKind.BIN else "#e65100"
        axes.plot(stop["lon"] * scale, stop["lat"], "o", markersize=9, color=colour, zorder=3)
        axes.annotate(
            str(stop["sequence"]),
            (stop["lon"] * scale, stop["lat"]),
            color="white",
            fontsize=5,
            ha="center",
            va="center",
            zorder=4,
        )
    axes.plot(start.lon * scale, start.lat, "s", markersize=10, color="black", zorder=3)
    axes.set_aspect("equal", adjustable="datalim")
    axes.margins(0.06)
    axes.set_axis_off()
    axes.text(
        0.995,
        0.005,
        ATTRIBUTION,
        transform=axes.transAxes,
        ha="right",
        va="bottom",
        fontsize=6,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def route_sheet_pdf(route: RoundRoute, host_url: str, user: User | None = None) -> bytes:
    """The printable route sheet as ``user`` may see it: header, overview map, stops with QR codes, signature."""
    from weasyprint import HTML

    sheet = services.route_sheet(route, user)
    qr = {row["id"]: qr_png(pickup_form_url(host_url, row)) for row in sheet["stops"] if row["bin_code"]}
    html = render_template("rounds/sheet.html", sheet=sheet, map_png=overview_map_png(route, sheet), qr=qr)
    return HTML(string=html, base_url=host_url).write_pdf()


@dataclass
class RouteReport:
    """Planned against actual for one route; actual km follow the road through the stops visited."""

    route: RoundRoute
    planned_km: float
    actual_km: float | None
    planned_min: int
    actual_min: int | None
    planned_kg: int
    actual_kg: float
    estimated_kg: float  # from fill percentages, where no weight was typed
    done: int
    skipped: list[dict[str, Any]] = field(default_factory=list)
    pending: int = 0
    photo_stops: list[RouteStop] = field(default_factory=list)  # done with a photo (delivery proof, bin state)
    final_unload: dict[str, Any] | None = None  # the unload before going home (collection rounds)


def _route_report(route: RoundRoute, road_km: Any) -> RouteReport:
    stops = list(route.stops)
    visited = sorted((s for s in stops if s.completed_at), key=lambda s: s.completed_at)
    done = [s for s in stops if s.status == StopStatus.DONE and s.kind == StopKind.BIN]
    weighed = sum(s.actual_kg or 0 for s in done)
    estimated = sum(
        (s.actual_fill_percent or 0) / 100 * s.bin.full_weight_kg for s in done if s.actual_kg is None and s.bin
    )
    actual_min = None
    if visited:
        actual_min = round((visited[-1].completed_at - route.start_at).total_seconds() / 60)
    points = [(route.start_site.lon, route.start_site.lat), *((s.lon, s.lat) for s in visited)]
    reasons = skip_reason_labels()
    return RouteReport(
        route=route,
        planned_km=route.distance_m / 1000,
        actual_km=road_km(points) if visited else None,
        planned_min=round(route.duration_s / 60),
        actual_min=actual_min,
        planned_kg=route.load_kg,
        actual_kg=weighed,
        estimated_kg=estimated,
        done=len([s for s in stops if s.status == StopStatus.DONE]),
        skipped=[
            {"stop": s, "reason": reasons.get(s.skip_reason, s.skip_reason)}
            for s in stops
            if s.status == StopStatus.SKIPPED
        ],
        pending=len([s for s in stops if s.status == StopStatus.PENDING]),
        final_unload=unload.final_unload(route),
    )


def road_km(points: Sequence[tuple[float, float]]) -> float:
    """Length of the road path through ``points`` on the loaded network (straight legs without one)."""
    from app.rounds import adapters, editing  # the planning side owns the routing library

    return adapters.road_path(editing.network(), points).distance_m / 1000


def plan_report(plan: RoundPlan) -> list[RouteReport]:
    """One planned-against-actual report per route of the plan, with the stops that have a photo."""
    reports = [_route_report(route, road_km) for route in plan.routes]
    with_photo = photos.stops_with_photo(stop.id for route in plan.routes for stop in route.stops)
    for report in reports:
        report.photo_stops = [stop for stop in report.route.stops if stop.id in with_photo]
    return reports
