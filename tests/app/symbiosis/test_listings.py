"""Posting listings: bad input refused by field with nothing written; moderation; roles of the participants."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.auth import services as auth
from app.errors import DomainError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet.models import Site
from app.symbiosis import services
from app.symbiosis.models import Listing, Match, MatchStatus
from tests.app import factories
from tests.app.conftest import login, post_form
from tests.app.symbiosis.conftest import Market, need_data, offer_data, participant


def _listings() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fibres": {"cotton": 60, "wool": 30}}, "fibres"),
        ({"fibres": {"kevlar": 100}}, "fibres"),
        ({"waste_status": "waste", "eer_code": "abc"}, "eer_code"),
        ({"waste_status": ""}, "waste_status"),
        ({"quantity": "-3"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"category": "sewing"}, "category"),
        ({"unit": "litri"}, "unit"),
        ({"site_id": None}, "site_id"),
        ({"available_from": "2027-02-01", "available_until": "2027-01-01"}, "available_until"),
        ({"kind": "machine", "category": "sewing", "unit": "pieces", "condition": "rotto"}, "condition"),
        ({"kind": "machine", "category": "sewing", "unit": "kg", "condition": "good", "terms": "give"}, "unit"),
    ],
)
def test_bad_listings_are_refused_naming_the_field(market: Market, overrides: dict[str, Any], field: str) -> None:
    values = {"site_id": market.firm.site.id} | overrides
    for key in ("available_from", "available_until"):
        if key in values:
            values[key] = date.fromisoformat(values[key])
    with pytest.raises(ValidationError) as refused:
        services.post_listing(offer_data(**values), market.firm.user)
    assert refused.value.field == field
    db.session.rollback()
    assert _listings() == 0


def test_a_waste_needs_its_eer_code_and_keeps_it(market: Market) -> None:
    listing = services.post_listing(
        offer_data(market.firm.site.id, waste_status="waste", eer_code="04 02 22"), market.firm.user
    )
    assert (listing.waste_status, listing.eer_code) == ("waste", "040222")


def test_a_site_of_another_organisation_is_refused(market: Market) -> None:
    with pytest.raises(ValidationError) as refused:
        services.post_listing(offer_data(market.coop.site.id), market.firm.user)
    assert refused.value.field == "site_id"


def test_the_form_shows_the_error_on_the_field_and_writes_nothing(client: Any, market: Market) -> None:
    db.session.commit()
    login(client, market.firm.user.email)
    form = {
        "side": "offer",
        "kind": "material",
        "category": "deadstock",
        "title": "Lana",
        "quantity": "10",
        "unit": "m",
        "site_id": str(market.firm.site.id),
        "waste_status": "by_product",
        "fibre_wool": "70",
    }
    response = post_form(client, "/simbiosi/annunci/nuovo", form)
    assert response.status_code == 422
    assert "Le percentuali delle fibre devono sommare a 100." in response.get_data(as_text=True)
    assert _listings() == 0


def test_a_hostile_form_is_never_a_500(client: Any, market: Market) -> None:
    db.session.commit()
    login(client, market.firm.user.email)
    for form in (
        {"quantity": "1e999", "unit": "m", "side": "offer", "kind": "material", "category": "x", "title": "a" * 500},
        {"site_id": "abc", "fibre_cotton": "-5", "available_from": "31/02/2026", "side": "nope"},
    ):
        assert post_form(client, "/simbiosi/annunci/nuovo", form).status_code == 422
    assert client.get("/simbiosi/?page=-4&side=zzz&text=%27%3B--").status_code == 200
    assert client.get(f"/simbiosi/?page={10**30}").status_code == 200
    assert client.get("/simbiosi/abbinamenti/999999").status_code == 404
    assert _listings() == 0


def test_a_coordinator_approves_a_new_participant_and_its_listings_then_match(app: Flask, market: Market) -> None:
    newcomer = participant("Scuola di Moda Brera", "school", (9.187, 45.472), "segreteria@modabrera.it", approved=False)
    need = Listing(
        organisation=newcomer.organisation,
        side="need",
        kind="material",
        category="deadstock",
        title="Cotone per le esercitazioni",
        quantity=50,
        unit="m",
    )
    db.session.add(need)
    services.post_listing(offer_data(market.firm.site.id), market.firm.user)
    assert db.session.scalar(select(func.count()).select_from(Match).where(Match.need_id == need.id)) == 0
    coordinator = factories.UserFactory(role="coordinator")
    db.session.commit()
    browser = app.test_client()
    login(browser, coordinator.email)
    assert "Scuola di Moda Brera" in browser.get("/simbiosi/moderazione").get_data(as_text=True)
    post_form(browser, f"/simbiosi/moderazione/{newcomer.organisation.id}/approva", {}, "/simbiosi/moderazione")
    assert db.session.scalar(select(func.count()).select_from(Match).where(Match.need_id == need.id)) == 1


def test_a_hidden_listing_leaves_the_marketplace_and_its_proposals_lapse(app: Flask, market: Market) -> None:
    offer = services.post_listing(offer_data(market.firm.site.id), market.firm.user)
    services.post_listing(need_data(), market.coop.user)
    coordinator = factories.UserFactory(role="coordinator")
    db.session.commit()
    browser = app.test_client()
    login(browser, coordinator.email)
    url = f"/simbiosi/annunci/{offer.id}"
    assert post_form(browser, f"{url}/nascondi", {"reason": ""}, url).status_code == 422
    assert post_form(browser, f"{url}/nascondi", {"reason": "Annuncio commerciale fuori tema"}, url).status_code == 302
    assert db.session.scalar(select(Match.status)) == MatchStatus.DECLINED
    coop = app.test_client()
    login(coop, market.coop.user.email)
    assert coop.get(url).status_code == 404
    listings = coop.get("/simbiosi/").get_data(as_text=True).split('id="listings"')[1]
    assert offer.title not in listings


def test_a_company_user_must_belong_to_a_participant_and_vice_versa(market: Market) -> None:
    operator = factories.OrganisationFactory()
    with pytest.raises(ValidationError):
        auth.save_user(email="x@y.it", full_name="X", role="company", organisation_id=operator.id, password="p" * 12)
    with pytest.raises(ValidationError):
        auth.save_user(
            email="z@y.it",
            full_name="Z",
            role="operator",
            organisation_id=market.firm.organisation.id,
            password="p" * 12,
        )


def test_only_participants_post_and_only_their_own_profile(market: Market) -> None:
    coordinator = factories.UserFactory(role="coordinator")
    with pytest.raises(PermissionDenied):
        services.post_listing(need_data(), coordinator)
    with pytest.raises(DomainError):
        services.save_profile(services.ProfileData("abc", "Rossi", "rossi@x.it"), market.firm.user)


def test_a_participant_adds_its_own_premises_and_bad_input_writes_nothing(client: Any, market: Market) -> None:
    db.session.commit()
    login(client, market.firm.user.email)
    site = {
        "name": "Magazzino Navigli",
        "street": "Via Vigevano",
        "civic_number": "20",
        "cap": "20144",
        "lon": "9,1700",
        "lat": "45,4530",
    }
    assert post_form(client, "/simbiosi/sedi", site | {"cap": "201"}).status_code == 422
    outside = post_form(client, "/simbiosi/sedi", site | {"lon": "11,25", "lat": "43,77"})  # Firenze
    assert outside.status_code == 422
    assert post_form(client, "/simbiosi/sedi", site).status_code == 302
    added = db.session.scalar(select(Site).where(Site.name == "Magazzino Navigli"))
    assert (added.kind, added.organisation_id, added.comune.name) == ("company", market.firm.organisation.id, "Milano")
    assert "Magazzino Navigli" in client.get("/simbiosi/sedi").get_data(as_text=True)


def test_a_coordinator_is_told_that_sites_of_participants_are_theirs_to_add(client: Any, login_as: Any) -> None:
    login_as("coordinator")
    response = post_form(
        client, "/simbiosi/sedi", {"name": "X", "street": "Via Roma", "cap": "20121", "lon": "9,19", "lat": "45,46"}
    )
    assert response.status_code == 422
    assert "non partecipa al mercato" in response.get_data(as_text=True)


def test_the_marketplace_pages_its_listings_keeping_the_filters(client: Any, market: Market) -> None:
    from app.symbiosis.queries import PAGE_SIZE

    for n in range(PAGE_SIZE + 1):
        services.post_listing(offer_data(market.firm.site.id, title=f"Scampoli di cotone {n:02d}"), market.firm.user)
    db.session.commit()
    login(client, market.coop.user.email)
    first = client.get("/simbiosi/?kind=material&page=1").get_data(as_text=True)
    assert "Scampoli di cotone 50" in first and "Scampoli di cotone 00" not in first
    assert "/simbiosi/?page=2&amp;kind=material" in first
    second = client.get("/simbiosi/?kind=material&page=2").get_data(as_text=True)
    assert "Scampoli di cotone 00" in second and "Pagina successiva" not in second
