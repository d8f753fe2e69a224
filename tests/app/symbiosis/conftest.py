"""Marketplace fixtures: approved participants with a site and a company user each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from app.core.clock import utcnow
from app.extensions import db
from app.symbiosis import services
from app.symbiosis.models import CompanyProfile
from tests.app import factories
from tests.app.symbiosis.labelled_pairs import MILANO, PORTA_GENOVA


@dataclass
class Participant:
    organisation: Any
    site: Any
    user: Any
    profile: Any


def participant(name: str, kind: str, point: tuple[float, float], email: str, approved: bool = True) -> Participant:
    organisation = factories.OrganisationFactory(name=name, kind=kind)
    site = factories.SiteFactory(
        name=f"Sede {name}", kind="company", organisation=organisation, lon=point[0], lat=point[1]
    )
    user = factories.UserFactory(role="company", organisation=organisation, email=email)
    profile = CompanyProfile(
        organisation=organisation,
        ateco_code="14.13.10",
        contact_name=f"Referente {name}",
        contact_email=f"contatti@{email.split('@')[1]}",
        contact_phone="+39 02 1234567",
        approved_at=utcnow() if approved else None,
    )
    db.session.add(profile)
    db.session.flush()
    return Participant(organisation, site, user, profile)


@dataclass
class Market:
    firm: Participant
    coop: Participant


@pytest.fixture
def market() -> Market:
    """A fashion firm at Porta Genova and a social cooperative in the centre of Milan, both approved."""
    firm = participant("Sartoria Navigli", "firm", PORTA_GENOVA, "ufficio@sartorianavigli.it")
    coop = participant("Cooperativa Filo Sociale", "social_enterprise", MILANO, "info@filosociale.it")
    return Market(firm, coop)


def offer_data(site_id: int | None, **overrides: Any) -> services.ListingData:
    values: dict[str, Any] = {
        "side": "offer",
        "kind": "material",
        "category": "deadstock",
        "title": "Popeline di cotone bianco, fine serie",
        "quantity": "120",
        "unit": "m",
        "weight_kg": "30",
        "site_id": site_id,
        "waste_status": "by_product",
        "fibres": {"cotton": 100},
    }
    return services.ListingData(**(values | overrides))


def need_data(**overrides: Any) -> services.ListingData:
    values: dict[str, Any] = {
        "side": "need",
        "kind": "material",
        "category": "deadstock",
        "title": "Cotone per borse e grembiuli del laboratorio",
        "quantity": "80",
        "unit": "m",
        "fibres": {"cotton": 100},
    }
    return services.ListingData(**(values | overrides))


def plan_and_publish(plant: Any, vehicle: Any, driver: Any, coordinator: Any, day: date) -> Any:
    """A collection round of ``day`` for one truck from ``plant``, planned and published by ``coordinator``."""
    from app.rounds import services as rounds

    params = rounds.PlanParams(
        service_date=day,
        site_ids=(plant.id,),
        vehicle_ids=(vehicle.id,),
        drivers={vehicle.id: driver.id},
        time_limit_s=1.0,
        created_by_id=coordinator.id,
    )
    plan = rounds.plan_day(params)
    rounds.publish_plan(plan, plan.version, coordinator)
    return plan
