"""Reading bins: filtered and paginated lists, map features, pickup history, fill colours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.auth.models import Organisation, OrganisationKind, User
from app.bins import fill
from app.bins.fill import FillForecast
from app.bins.models import Bin, BinStatus
from app.bins.services import scope
from app.core.clock import utcnow
from app.core.policy import Permission, can
from app.extensions import db
from app.geo.models import Comune

PER_PAGE = 50
FILL_LEVELS = ((0.5, "low"), (0.8, "mid"), (float("inf"), "high"))
# The list's sortable columns: SQL order of each but the predicted fill (sorted on the forecasts).
SORTS: dict[str, tuple[Any, ...]] = {
    "code": (Bin.code, Bin.id),
    "address": (Comune.name, Bin.street_name, Bin.civic_number, Bin.id),
    "organisation": (Organisation.name, Bin.code, Bin.id),
    "stream": (Bin.stream, Bin.code, Bin.id),
    "status": (Bin.status, Bin.code, Bin.id),
    "fill": (),
}
DEFAULT_SORT = ("address", "asc")


@dataclass(frozen=True)
class BinFilter:
    comune: str = ""
    operator_id: int = 0
    stream: str = ""
    status: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT[0]
    direction: str = DEFAULT_SORT[1]

    def query_args(self) -> dict[str, Any]:
        """The filters that are set, as query parameters for links (never the raw query string, which may
        hold names like ``sep`` or ``_scheme`` that ``url_for`` reads itself)."""
        values = {"comune": self.comune, "operator": self.operator_id, "stream": self.stream, "status": self.status}
        return {k: v for k, v in {**values, "q": self.q, **self.sort_args()}.items() if v}

    def sort_args(self) -> dict[str, str]:
        """The order, as query parameters, when it is not the default one."""
        return {} if (self.sort, self.direction) == DEFAULT_SORT else {"sort": self.sort, "dir": self.direction}

    def sorted_by(self, column: str) -> dict[str, Any]:
        """Query parameters of the list sorted by ``column``: the other way round when it already is."""
        again = column == self.sort and self.direction == ("desc" if column == "fill" else "asc")
        first = "desc" if column == "fill" else "asc"  # the fullest first: what the operators look for
        direction = ("asc" if first == "desc" else "desc") if again else first
        others = {k: v for k, v in self.query_args().items() if k not in ("sort", "dir")}
        return {**others, "sort": column, "dir": direction}

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.comune:
            query = query.where(Bin.comune_code == self.comune)
        if self.operator_id:
            query = query.where(Bin.operator_id == self.operator_id)
        if self.stream:
            query = query.where(Bin.stream == self.stream)
        if self.status:
            query = query.where(Bin.status == self.status)
        if self.q.strip():
            like = f"%{self.q.strip().lower()}%"
            query = query.join(Comune, Comune.istat_code == Bin.comune_code).where(
                or_(
                    func.lower(Bin.code).like(like),
                    func.lower(Bin.street_name).like(like),
                    func.lower(Comune.name).like(like),
                )
            )
        return query


def fill_level(forecast: FillForecast | None) -> str:
    """A colour class for a predicted fill: low, mid, high (or unknown)."""
    if forecast is None:
        return "unknown"
    return next(name for limit, name in FILL_LEVELS if forecast.fill_ratio < limit)


def comune_code(text: str) -> str:
    """The ISTAT code of a comune given by code or by name (any case); the text itself when none matches."""
    text = text.strip()
    if not text or text.isdigit():
        return text
    found = db.session.scalar(select(Comune.istat_code).where(func.lower(Comune.name) == text.lower()))
    return found or text


class BinPage(Pagination):
    """A page of bins in an order decided beforehand: ``ids`` of every matching bin, sorted."""

    def _query_items(self) -> list[Any]:
        ids = self._query_args["ids"][(self.page - 1) * self.per_page : self.page * self.per_page]
        query = select(Bin).where(Bin.id.in_(ids)).options(joinedload(Bin.operator), joinedload(Bin.comune))
        found = {b.id: b for b in db.session.scalars(query)}
        return [found[i] for i in ids]

    def _query_count(self) -> int:
        return len(self._query_args["ids"])


def _by_fill(ids: list[int], predicted: Mapping[int, FillForecast], descending: bool) -> list[int]:
    """Bins by predicted fill; those without a forecast last, either way."""
    known = sorted((i for i in ids if i in predicted), key=lambda i: predicted[i].fill_ratio, reverse=descending)
    return known + [i for i in ids if i not in predicted]


def _sorted_ids(query: Select[Any], filters: BinFilter) -> list[int]:
    columns = SORTS[filters.sort]
    if columns[0] is Comune.name and not filters.q.strip():  # the search has joined the comune already
        query = query.join(Comune, Comune.istat_code == Bin.comune_code)
    if columns[0] is Organisation.name:
        query = query.join(Organisation, Organisation.id == Bin.operator_id)
    first = columns[0].desc() if filters.direction == "desc" else columns[0].asc()
    return list(db.session.scalars(query.order_by(first, *columns[1:])))


def bin_page(user: User, filters: BinFilter, page: int) -> tuple[BinPage, Mapping[int, FillForecast]]:
    """One page of the bins the user may see in the order asked, and the predicted fill of the page's bins.

    Sorting by fill needs the forecast of every matching bin (one batch, whatever their number); other
    orders forecast only the page's bins. The number of SQL statements does not grow with the bins.
    """
    query = filters.apply(scope(select(Bin.id), user))
    if filters.sort == "fill":
        ids = list(db.session.scalars(query.order_by(Bin.id)))
        predicted = fill.forecasts(ids, utcnow())
        ordered = _by_fill(ids, predicted, filters.direction == "desc")
        return BinPage(page=page, per_page=PER_PAGE, error_out=False, ids=ordered), predicted
    result = BinPage(page=page, per_page=PER_PAGE, error_out=False, ids=_sorted_ids(query, filters))
    return result, forecasts(list(result.items))


def forecasts(bins: list[Bin], at: datetime | None = None) -> Mapping[int, FillForecast]:
    return fill.forecasts([b.id for b in bins], at or utcnow())


def filter_options(user: User) -> dict[str, list[tuple[Any, str]]]:
    """Comuni and operators that have bins the user may see, for the filter menus."""
    visible = scope(select(Bin.comune_code, Bin.operator_id), user).subquery()
    comuni = db.session.execute(
        select(Comune.istat_code, Comune.name)
        .where(Comune.istat_code.in_(select(visible.c.comune_code)))
        .order_by(Comune.name)
    ).all()
    operators = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrganisationKind.OPERATOR)
        .where(Organisation.id.in_(select(visible.c.operator_id)))
        .order_by(Organisation.name)
    ).all()
    return {"comuni": [tuple(r) for r in comuni], "operators": [tuple(r) for r in operators]}


def operator_choices(user: User) -> list[tuple[int, str]]:
    """Operators the user may assign bins to."""
    query = select(Organisation).where(Organisation.kind == OrganisationKind.OPERATOR, Organisation.active.is_(True))
    if not can(user, Permission.SEE_ALL_OPERATORS):
        query = query.where(Organisation.id == user.organisation_id)
    return [(o.id, o.name) for o in db.session.scalars(query.order_by(Organisation.name))]


def visible_bins(user: User, filters: BinFilter) -> list[Bin]:
    """Every bin the user may see that matches the filters (map and export)."""
    query = filters.apply(scope(select(Bin), user)).options(joinedload(Bin.operator), joinedload(Bin.comune))
    return list(db.session.scalars(query.order_by(Bin.comune_code, Bin.code)).unique())


def active_bins() -> list[Bin]:
    """Every active bin of every operator (public open data)."""
    query = select(Bin).where(Bin.status == BinStatus.ACTIVE).options(joinedload(Bin.operator), joinedload(Bin.comune))
    return list(db.session.scalars(query.order_by(Bin.comune_code, Bin.code)))


def map_features(bins: list[Bin], predicted: Mapping[int, FillForecast]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for the map: position, label and predicted fill of each bin."""
    features = []
    for b in bins:
        forecast = predicted.get(b.id)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(b.lon, 6), round(b.lat, 6)]},
                "properties": {
                    "id": b.id,
                    "code": b.code,
                    "address": b.address,
                    "operator": b.operator.name,
                    "status": b.status,
                    "fill": fill_level(forecast),
                    "fill_percent": None if forecast is None else round(forecast.fill_ratio * 100),
                    "demo": b.is_demo,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
