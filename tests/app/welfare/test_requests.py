"""Requests move bozza → inviata → approvata → …, each change recorded; bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.welfare.models import GarmentRequest, RequestLine
from tests.app import factories
from tests.app.conftest import login, post_form


def _lines(household, **changes):
    boy, girl = household.members
    data = {
        "lines-0-member_id": boy.id,
        "lines-0-category": "cappotto",
        "lines-0-season": "inverno",
        "lines-0-quantity": "1",
        "lines-1-member_id": girl.id,
        "lines-1-category": "maglione",
        "lines-1-season": "inverno",
        "lines-1-quantity": "2",
        "fulfilment": "delivery",
        "window_start": "09:00",
        "window_end": "12:00",
        "availability": "lun-ven",
    }
    return data | changes


def _new(client, household, **changes):
    url = f"/welfare/households/{household.id}/requests/new"
    return post_form(client, url, _lines(household, **changes))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(GarmentRequest))


def test_worker_requests_winter_clothes_in_the_members_sizes(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    response = _new(client, household)
    assert response.status_code == 302
    request = db.session.scalar(select(GarmentRequest))
    assert request.status == "bozza" and request.total_pieces == 3
    assert [(line.category, line.size, line.size_system) for line in request.lines] == [
        ("cappotto", "8 anni", "children"),
        ("maglione", "5 anni", "children"),
    ]
    assert [(h.from_status, h.to_status) for h in request.history] == [("", "bozza")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lines-0-quantity": "0"}, "maggiore di zero"),
        ({"lines-0-quantity": "-2"}, "maggiore di zero"),
        ({"lines-0-size": "99 anni"}, "non esiste"),
        ({"window_end": "08:00"}, "finire dopo"),
        ({"fulfilment": "pickup"}, "punto di distribuzione"),
    ],
)
def test_bad_request_input_gets_a_message_and_saves_nothing(client, login_as, household, changes, message):
    login_as("social_worker", organisation=household.office)
    response = _new(client, household, **changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0 and db.session.scalar(select(func.count()).select_from(RequestLine)) == 0


def _sent_request(client, household):
    _new(client, household)
    request = db.session.scalar(select(GarmentRequest).order_by(GarmentRequest.id.desc()))
    assert (
        post_form(client, f"/welfare/requests/{request.id}/send", {}, f"/welfare/requests/{request.id}").status_code
        == 302
    )
    return request


def test_coordinator_approves_once_and_the_second_approval_is_refused(app, client, login_as, household):
    login_as("social_worker", organisation=household.office)
    request = _sent_request(client, household)
    coordinator = factories.UserFactory(role="coordinator")
    client = app.test_client()
    login(client, coordinator.email)
    url = f"/welfare/requests/{request.id}"
    assert post_form(client, url + "/approve", {}, url).status_code == 302
    second = post_form(client, url + "/approve", {}, url)
    assert second.status_code == 303
    assert "già" in client.get(url).get_data(as_text=True)
    db.session.refresh(request)
    assert [h.to_status for h in request.history] == ["bozza", "inviata", "approvata"]
    assert request.history[-1].user_id == coordinator.id


def test_request_beyond_the_monthly_quota_is_refused(app, client, login_as, household):
    login_as("social_worker", organisation=household.office)
    app.config["WELFARE_MAX_ITEMS_PER_MONTH"] = 2
    try:
        _new(client, household)
        request = db.session.scalar(select(GarmentRequest))
        url = f"/welfare/requests/{request.id}"
        assert post_form(client, url + "/send", {}, url).status_code == 303
        assert "limite mensile" in client.get(url).get_data(as_text=True)
        db.session.refresh(request)
        assert request.status == "bozza"
    finally:
        app.config["WELFARE_MAX_ITEMS_PER_MONTH"] = 20


def test_social_worker_cannot_approve(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    request = _sent_request(client, household)
    url = f"/welfare/requests/{request.id}"
    assert post_form(client, url + "/approve", {}, url).status_code == 303
    db.session.refresh(request)
    assert request.status == "inviata"


def test_worker_home_page_lists_the_open_requests(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    _new(client, household)
    page = client.get("/").get_data(as_text=True)
    assert household.code in page and "bozza" in page
