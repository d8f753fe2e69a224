"""Contact data of a participant stays hidden until both sides accept; companies see only what is theirs or public."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.symbiosis import services
from app.symbiosis.models import Match
from tests.app.conftest import login, post_form
from tests.app.symbiosis.conftest import Market, need_data, offer_data, participant


def _matched(market: Market) -> Match:
    services.post_listing(offer_data(market.firm.site.id), market.firm.user)
    need = services.post_listing(need_data(), market.coop.user)
    db.session.commit()
    return db.session.query(Match).filter_by(need_id=need.id).one()


def signed_in(app: Flask, user: Any) -> FlaskClient:
    """A browser of its own, logged in as ``user``."""
    browser = app.test_client()
    login(browser, user.email)
    return browser


def _secrets(p: Any) -> list[str]:
    return [p.profile.contact_email, p.profile.contact_name, p.profile.contact_phone]


def test_contacts_are_hidden_from_both_sides_until_both_accept(app: Flask, market: Market) -> None:
    match = _matched(market)
    url = f"/simbiosi/abbinamenti/{match.id}"
    coop, firm = signed_in(app, market.coop.user), signed_in(app, market.firm.user)
    page = coop.get(url).get_data(as_text=True)
    assert all(secret not in page for secret in _secrets(market.firm))
    assert "I contatti si vedono quando entrambe le parti hanno accettato." in page

    post_form(coop, f"{url}/risposta", {"accept": "1"}, url)
    for browser, other in ((coop, market.firm), (firm, market.coop)):  # one side is not enough
        page = browser.get(url).get_data(as_text=True)
        assert all(secret not in page for secret in _secrets(other))

    post_form(firm, f"{url}/risposta", {"accept": "1"}, url)
    page = firm.get(url).get_data(as_text=True)
    assert market.coop.profile.contact_email in page and market.coop.profile.contact_phone in page
    assert market.firm.profile.contact_email in coop.get(url).get_data(as_text=True)


def test_a_declined_match_never_shows_contacts(app: Flask, market: Market) -> None:
    match = _matched(market)
    url = f"/simbiosi/abbinamenti/{match.id}"
    post_form(signed_in(app, market.firm.user), f"{url}/risposta", {"accept": "1"}, url)
    coop = signed_in(app, market.coop.user)
    post_form(coop, f"{url}/risposta", {"accept": "0"}, url)
    page = coop.get(url).get_data(as_text=True)
    assert market.firm.profile.contact_email not in page


def test_public_listings_show_neither_contacts_nor_the_organisation_name(client: FlaskClient, market: Market) -> None:
    offer = services.post_listing(offer_data(market.firm.site.id), market.firm.user)
    db.session.commit()
    login(client, market.coop.user.email)
    for url in ("/simbiosi/", f"/simbiosi/annunci/{offer.id}"):
        page = client.get(url).get_data(as_text=True)
        assert offer.title in page
        assert all(secret not in page for secret in [*_secrets(market.firm), market.firm.organisation.name])


def test_a_third_company_cannot_open_a_match_of_others(client: FlaskClient, market: Market) -> None:
    match = _matched(market)
    other = participant("Fablab Bovisa", "makerspace", (9.16, 45.50), "ciao@fablabbovisa.it")
    db.session.commit()
    login(client, other.user.email)
    assert client.get(f"/simbiosi/abbinamenti/{match.id}").status_code == 404
    page = client.get("/simbiosi/").get_data(as_text=True)
    assert match.code not in page


def test_listings_of_an_organisation_not_yet_approved_are_not_public(client: FlaskClient, market: Market) -> None:
    waiting = participant("Atelier in Attesa", "firm", (9.18, 45.46), "atelier@inattesa.it", approved=False)
    db.session.commit()
    login(client, waiting.user.email)
    response = post_form(
        client,
        "/simbiosi/annunci/nuovo",
        {"side": "offer", "kind": "material", "category": "deadstock", "title": "Lino", "quantity": "5", "unit": "m"},
    )
    assert response.status_code == 422
    assert "in attesa di approvazione" in response.get_data(as_text=True)


def test_other_roles_cannot_open_the_marketplace(client: FlaskClient, login_as: Any) -> None:
    login_as("driver")
    assert client.get("/simbiosi/").status_code == 403


def test_answering_a_match_no_longer_proposed_says_why_and_changes_nothing(app: Flask, market: Market) -> None:
    match = _matched(market)
    url = f"/simbiosi/abbinamenti/{match.id}"
    coop = signed_in(app, market.coop.user)
    post_form(coop, f"{url}/risposta", {"accept": "0"}, url)
    again = post_form(signed_in(app, market.firm.user), f"{url}/risposta", {"accept": "1"}, url)
    assert again.status_code == 422
    assert "Questo abbinamento non attende più una risposta." in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Match, match.id).offer_accepted_at is None
