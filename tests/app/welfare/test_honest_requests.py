"""Honest requests for social workers: stock shown, blank sizes, editable drafts, reasons for rejections,
household search, and genders that are people's."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.welfare.models import GarmentRequest, IdentityAccessLog
from tests.app import factories
from tests.app.conftest import login, post_form
from tests.app.welfare.conftest import SESTO, stock_of
from tests.app.welfare.test_requests import _lines, _new, _sent_request


def _request() -> GarmentRequest:
    return db.session.scalar(select(GarmentRequest).order_by(GarmentRequest.id.desc()))


def test_the_request_form_shows_the_pieces_available_for_the_households_members(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    shelf = factories.StockLocationFactory()
    stock_of(shelf, 3)  # cappotto, bambino, 8 anni, inverno
    stock_of(shelf, 5, category="maglione", age_group="bambina", size="5 anni")
    stock_of(shelf, 7, category="cappotto", age_group="uomo", size_system="italian", size="50")  # no man here
    db.session.commit()
    html = client.get(f"/welfare/households/{household.id}/requests/new").get_data(as_text=True)
    table = html[html.index('id="stock-now"') :]
    rows = re.findall(
        r'<tr data-category="([^"]+)" data-size="([^"]+)"[^>]*>.*?<td class="text-end">(\d+)</td>\s*<td>([^<]*)</td>',
        table,
        re.S,
    )
    assert rows == [("cappotto", "8 anni", "3", "Figlio 1"), ("maglione", "5 anni", "5", "Figlia 2")]


def test_a_blank_size_the_member_has_no_size_for_is_refused_on_its_cell(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    boy = household.members[0]
    boy.shoe_size = ""
    db.session.commit()
    response = _new(client, household, **{"lines-1-category": "scarpe", "lines-1-member_id": boy.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Riga 2: scrivi la taglia" in html and "La taglia «»" not in html
    assert re.search(r'class="form-control form-control-sm is-invalid"[^>]*name="lines-1-size"', html) or re.search(
        r'name="lines-1-size"[^>]*class="[^"]*is-invalid', html
    )
    assert _request() is None


def test_a_line_without_a_member_is_highlighted_on_its_row(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    response = _new(client, household, **{"lines-1-member_id": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Riga 2: scegli un componente del nucleo." in html
    assert re.search(r'<select[^>]*class="form-select form-select-sm is-invalid"[^>]*name="lines-1-member_id"', html)


def test_a_draft_is_edited_and_a_sent_request_is_not(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    _new(client, household)
    request = _request()
    url = f"/welfare/requests/{request.id}"
    assert f'href="{url}/edit"' in client.get(url).get_data(as_text=True)
    form = client.get(url + "/edit").get_data(as_text=True)
    assert re.search(r'name="lines-1-quantity"[^>]*value="2"', form) or re.search(
        r'value="2"[^>]*name="lines-1-quantity"', form
    )
    changed = _lines(household, **{"lines-1-quantity": "4", "lines-1-size": "6 anni", "fulfilment": "delivery"})
    assert post_form(client, url + "/edit", changed).status_code == 302
    db.session.refresh(request)
    assert [(line.size, line.quantity) for line in request.lines] == [("8 anni", 1), ("6 anni", 4)]
    assert post_form(client, url + "/send", {}, url).status_code == 302
    assert client.get(url + "/edit").status_code == 302  # sent: back to the request, with a message
    refused = client.post(url + "/edit", data=_lines(household, **{"lines-1-quantity": "9"}))
    assert refused.status_code in (302, 400)
    db.session.refresh(request)
    assert [line.quantity for line in request.lines] == [1, 4]


def test_the_coordinator_rejects_with_a_reason_that_the_social_worker_reads(app, client, login_as, household):
    worker = login_as("social_worker", organisation=household.office)
    request = _sent_request(client, household)
    coordinator = factories.UserFactory(role="coordinator")
    db.session.commit()
    other = app.test_client()
    login(other, coordinator.email)
    url = f"/welfare/requests/{request.id}"
    assert 'data-action="reject"' in other.get(url).get_data(as_text=True)
    blank = post_form(other, url + "/reject", {"note": "  "}, url)
    assert blank.status_code == 422
    assert re.search(r'id="reject-note" maxlength="200" class="form-control is-invalid"', blank.get_data(as_text=True))
    db.session.refresh(request)
    assert request.status == "inviata"
    assert post_form(other, url + "/reject", {"note": "Già consegnati due cappotti a ottobre"}, url).status_code == 302
    db.session.refresh(request)
    assert request.status == "respinta" and request.history[-1].user_id == coordinator.id
    page = client.get(url).get_data(as_text=True)  # the social worker
    assert "Motivo: Già consegnati due cappotti a ottobre" in page and worker.id
    assert 'data-action="send"' not in page and 'data-action="approve"' not in page


def test_a_social_worker_cannot_reject(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    request = _sent_request(client, household)
    url = f"/welfare/requests/{request.id}"
    post_form(client, url + "/reject", {"note": "no"}, url)
    db.session.refresh(request)
    assert request.status == "inviata"


def test_the_household_list_finds_by_code_comune_referent_or_street_and_logs_identity_matches(
    client, login_as, office_a
):
    worker = login_as("social_worker", organisation=office_a)
    rossi = factories.HouseholdFactory(office=office_a, code="MI-ROSSI", identity__name="Maria Rossi")
    verdi = factories.HouseholdFactory(office=office_a, code="MI-VERDI", identity__street="Via Padova")
    elsewhere = factories.HouseholdFactory(comune_code=SESTO, code="MI-SESTO", identity__name="Maria Rossi")
    db.session.commit()

    def found(q: str) -> list[str]:
        return re.findall(
            r">(MI-[A-Z]+)</a>", client.get("/welfare/households", query_string={"q": q}).get_data(as_text=True)
        )

    assert found("") == ["MI-VERDI", "MI-ROSSI"]
    assert found("verdi") == ["MI-VERDI"]
    assert found("rossi") == ["MI-ROSSI"]  # not the other office's household of the same name
    assert found("padova") == ["MI-VERDI"]
    assert found("milano") == ["MI-VERDI", "MI-ROSSI"]
    assert found("100%_") == []
    log = db.session.scalars(select(IdentityAccessLog).where(IdentityAccessLog.purpose == "search")).all()
    assert sorted(e.household_id for e in log) == sorted([rossi.id, verdi.id])
    assert all(e.user_id == worker.id for e in log) and elsewhere.id not in {e.household_id for e in log}
    assert "Nessun nucleo trovato per «xyz»" in client.get("/welfare/households?q=xyz").get_data(as_text=True)


def test_a_persons_gender_offers_no_unisex_or_neonato_and_a_baby_asks_for_baby_clothes(client, login_as, household):
    login_as("social_worker", organisation=household.office)
    html = client.get(f"/welfare/households/{household.id}").get_data(as_text=True)
    genders = re.search(r'<select[^>]*name="gender".*?</select>', html, re.S).group(0)
    assert re.findall(r'value="([^"]+)"', genders) == ["donna", "uomo", "bambina", "bambino"]
    refused = {"label": "Figlio 3", "age_band": "0-2", "gender": "neonato", "clothing_size_system": "children"}
    post_form(client, f"/welfare/households/{household.id}/members", refused | {"clothing_size": "12-18m"})
    assert [m.label for m in household.members] == ["Figlio 1", "Figlia 2"]
    data = _lines(household)
    baby = factories.MemberFactory(household=household, label="Figlio 3", age_band="0-2", clothing_size="12-18m")
    db.session.commit()
    url = f"/welfare/households/{household.id}/requests/new"
    made = post_form(client, url, data | {"lines-0-member_id": baby.id, "lines-0-category": "tuta"})
    assert made.status_code == 302, re.findall(r"Riga[^<]*", made.get_data(as_text=True))
    assert _request().lines[0].age_group == "neonato"


def test_a_draft_longer_than_the_form_is_not_opened_for_editing(client, login_as, household):
    from app.welfare import requests

    worker = login_as("social_worker", organisation=household.office)
    boy = household.members[0]
    lines = [requests.LineData(boy.id, "maglione", "inverno", 1, size="8 anni") for _ in range(7)]
    draft = requests.create_request(household, requests.RequestData(lines=lines), worker)
    db.session.commit()
    response = client.get(f"/welfare/requests/{draft.id}/edit")
    assert response.status_code == 302
    assert "più di 6 righe" in client.get(response.headers["Location"]).get_data(as_text=True)
