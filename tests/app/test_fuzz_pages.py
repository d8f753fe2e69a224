"""Fuzz: every list page's GET filters with hostile values never give a server error."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.collection import services as collection
from app.db import utcnow
from app.extensions import db
from tests.app import factories
from tests.app.hostile import FUZZ, TEXT, query_string

# The filters the pages read (bins, map and exports; pickups; stock) and a few every page may see.
PARAMETERS = ["comune", "operator", "stream", "status", "q", "page", "sep", "bin", "code"]
PARAMETERS += ["category", "age_group", "size", "season", "lang", "next", "at", "sort", "order"]
PAGES = {
    "coordinator": [
        "/bins/", "/bins/map", "/bins/map.geojson", "/bins/export.csv", "/bins/export.geojson",
        "/collection/pickups", "/collection/pickups/new", "/stock/", "/stock/export.csv", "/rounds/",
        "/sorting/", "/sorting/intake.csv", "/sorting/outbound", "/fleet/vehicles",
    ],
    "social_worker": ["/welfare/households", "/welfare/requests", "/welfare/deliveries", "/stock/"],
}  # fmt: skip


@pytest.fixture(params=sorted(PAGES))
def role(request, login_as):
    """Logged in with a role that sees the pages; a bin with a pickup gives the filters rows to narrow."""
    user = login_as(request.param)
    bin_ = factories.BinFactory(code="VS-0123", operator=user.organisation)
    data = collection.PickupData(bin_id=bin_.id, weight_kg=Decimal(80), collected_at=utcnow() - timedelta(days=1))
    collection.record_pickup(data, factories.UserFactory(role="coordinator", organisation=user.organisation))
    db.session.commit()
    return request.param


@FUZZ
@given(data=st.data())
def test_hostile_list_filters_never_give_a_server_error(client, role, data):
    page = data.draw(st.sampled_from(PAGES[role]), label="page")
    params = data.draw(st.dictionaries(st.sampled_from(PARAMETERS), TEXT, max_size=4), label="params")
    response = client.get(f"{page}?{query_string(params)}")
    assert response.status_code < 500, (page, params, response.get_data(as_text=True)[:300])
