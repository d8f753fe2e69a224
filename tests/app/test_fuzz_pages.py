"""Fuzz: every list page's GET filters with hostile values never give a server error."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.collection import services as collection
from app.core.clock import utcnow
from app.extensions import db
from tests.app import factories
from tests.app.hostile import FUZZ, TEXT, query_string

# The filters the pages read (bins, map and exports; pickups; stock) and a few every page may see.
PARAMETERS = ["comune", "operator", "stream", "status", "q", "page", "sep", "bin", "code"]
PARAMETERS += ["category", "age_group", "size", "season", "lang", "next", "at", "sort", "order"]
PARAMETERS += ["side", "kind", "text"]  # the symbiosis marketplace's search
PARAMETERS += ["bin_id", "start", "end"]  # the chain's trace of a bin
PARAMETERS += ["_scheme", "_external", "_anchor", "_method", "filename"]  # names url_for reads itself
PAGES = [
    *(("coordinator", url) for url in (
        "/bins/", "/bins/map", "/bins/map.geojson", "/bins/export.csv", "/bins/export.geojson",
        "/collection/pickups", "/collection/pickups/new", "/stock/", "/stock/export.csv", "/rounds/",
        "/sorting/", "/sorting/intake.csv", "/sorting/outbound", "/fleet/vehicles", "/welfare/deliveries",
        "/simbiosi/", "/simbiosi/moderazione", "/chain/", "/chain/forward",
    )),
    *(("social_worker", url) for url in ("/welfare/households", "/welfare/requests", "/stock/")),
]  # fmt: skip


@pytest.fixture
def logged_in(login_as, role):
    """A user of the role; a bin with a pickup gives the filters rows to narrow."""
    user = login_as(role)
    bin_ = factories.BinFactory(code="VS-0123", operator=user.organisation)
    data = collection.PickupData(bin_id=bin_.id, weight_kg=Decimal(80), collected_at=utcnow() - timedelta(days=1))
    collection.record_pickup(data, factories.UserFactory(role="coordinator", organisation=user.organisation))
    db.session.commit()


@pytest.mark.parametrize(("role", "page"), PAGES, ids=[f"{r} {p}" for r, p in PAGES])
@settings(FUZZ, max_examples=25)
@given(params=st.dictionaries(st.sampled_from(PARAMETERS), TEXT, max_size=4))
def test_hostile_list_filters_never_give_a_server_error(client, logged_in, role, page, params):
    response = client.get(f"{page}?{query_string(params)}")
    assert response.status_code < 500, (page, params, response.get_data(as_text=True)[:300])
