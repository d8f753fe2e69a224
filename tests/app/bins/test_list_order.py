"""The bin list: sorted by predicted fill or any column, fill over capacity explained, bounded SQL statements."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from app.collection import services
from app.core.clock import utcnow
from app.extensions import db
from tests.app.factories import BinFactory, OrganisationFactory, UserFactory

RHO = "015182"


def _codes(html: str) -> list[str]:
    table = html[html.index('id="bins"') :]
    return re.findall(r'/bins/\d+">([A-Z0-9-]+)</a>', table)


def _with_fill(operator: Any, readings: dict[str, int]) -> None:
    """Bins whose fill was just read (the forecast starts from it)."""
    user = UserFactory(role="coordinator", organisation=operator)
    for code, percent in readings.items():
        bin_ = BinFactory(code=code, operator=operator)
        services.record_fill_reading(bin_.id, percent, user)
    db.session.commit()


def test_the_list_sorts_by_predicted_fill_fullest_first_then_back(client: Any, login_as: Any) -> None:
    operator = OrganisationFactory()
    _with_fill(operator, {"MI-A": 30, "MI-B": 90, "MI-C": 60})
    login_as("coordinator")
    fullest = client.get("/bins/?sort=fill&dir=desc").get_data(as_text=True)
    assert _codes(fullest) == ["MI-B", "MI-C", "MI-A"]
    assert 'aria-sort="descending"' in fullest
    emptiest = client.get("/bins/?sort=fill&dir=asc").get_data(as_text=True)
    assert _codes(emptiest) == ["MI-A", "MI-C", "MI-B"]


def test_the_fill_header_links_to_the_fullest_first_and_any_column_sorts(client: Any, login_as: Any) -> None:
    operator = OrganisationFactory()
    for code in ("MI-2", "MI-3", "MI-1"):
        BinFactory(code=code, operator=operator)
    login_as("coordinator")
    html = client.get("/bins/").get_data(as_text=True)
    assert "sort=fill" in html and "dir=desc" in html
    assert _codes(client.get("/bins/?sort=code").get_data(as_text=True)) == ["MI-1", "MI-2", "MI-3"]
    assert _codes(client.get("/bins/?sort=code&dir=desc").get_data(as_text=True)) == ["MI-3", "MI-2", "MI-1"]
    assert client.get("/bins/?sort=nonsense&dir=sideways").status_code == 200


def test_a_fill_over_the_capacity_is_explained(client: Any, login_as: Any) -> None:
    _with_fill(OrganisationFactory(), {"MI-OVER": 130})
    login_as("coordinator")
    html = client.get("/bins/").get_data(as_text=True)
    assert "oltre la capienza" in html
    assert "probabilmente traboccante" in html


def test_the_comune_filter_takes_the_name_as_well_as_the_code(client: Any, login_as: Any) -> None:
    operator = OrganisationFactory()
    BinFactory(code="MI-MILANO", operator=operator)
    BinFactory(code="RH-RHO", operator=operator, comune_code=RHO, lon=9.04, lat=45.529, cap="20017")
    login_as("coordinator")
    for value in ("Rho", "rho", RHO):
        assert _codes(client.get(f"/bins/?comune={value}").get_data(as_text=True)) == ["RH-RHO"]
    assert client.get("/bins/map?comune=Rho").status_code == 200
    features = client.get("/bins/map.geojson?comune=Rho").get_json()["features"]
    assert [f["properties"]["code"] for f in features] == ["RH-RHO"]


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _bins_with_history(operator: Any, user: Any, count: int, start: int) -> None:
    for n in range(start, start + count):
        bin_ = BinFactory(code=f"Q-{n:03d}", operator=operator)
        for days_ago in (9, 5):
            at = utcnow() - timedelta(days=days_ago)
            services.record_pickup(
                services.PickupData(bin_id=bin_.id, weight_kg=Decimal(60 + n), collected_at=at), user
            )
    db.session.commit()


def test_the_number_of_sql_statements_does_not_grow_with_the_bins(client: Any, login_as: Any) -> None:
    operator = OrganisationFactory()
    user = UserFactory(role="coordinator", organisation=operator)
    login_as("coordinator")
    counts: dict[str, list[int]] = {}
    for added, start in ((6, 0), (6, 6)):  # N bins, then 2N
        _bins_with_history(operator, user, added, start)
        for url in ("/bins/", "/bins/?sort=fill&dir=desc", "/bins/?sort=organisation"):
            client.get(url)  # the first load fits the model; the count is of a load like any other
            with _statements() as seen:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(len(seen))
    for url, (n, two_n) in counts.items():
        assert n == two_n, (url, n, two_n)
        assert n <= 15, (url, n)
