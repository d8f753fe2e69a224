"""Corrections: a new audited row pointing at the old one, which is superseded, never edited."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.bins.models import AuditEntry
from app.collection import services
from app.collection.models import Pickup
from app.core.clock import utcnow
from app.errors import ConflictError
from app.extensions import db
from tests.app.conftest import post_form
from tests.app.factories import BinFactory, UserFactory


def _pickup(user, bin_, kg="80"):
    data = services.PickupData(bin_id=bin_.id, weight_kg=Decimal(kg), collected_at=utcnow() - timedelta(hours=2))
    return services.record_pickup(data, user)


def test_a_correction_is_a_new_row_and_the_old_one_is_superseded_and_audited(client, login_as):
    operator = login_as("operator")
    bin_ = BinFactory(operator=operator.organisation)
    original = _pickup(operator, bin_)
    db.session.commit()
    url = f"/collection/pickups/{original.id}/correct"
    form = {"code": bin_.code, "weight_kg": "95,0", "collected_at": "2026-01-10T08:30"}
    assert post_form(client, url, form).status_code == 302
    db.session.expire_all()
    rows = list(db.session.scalars(select(Pickup).order_by(Pickup.id)))
    assert [(float(p.weight_kg), p.superseded, p.corrects_id) for p in rows] == [
        (80.0, True, None),
        (95.0, False, original.id),
    ]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "correct"))
    assert json.loads(audit.changes)["weight_kg"] == ["80.0", "95.0"]
    assert audit.user_id == operator.id


@pytest.mark.parametrize("operator", ["²", "9" * 5000])
def test_a_correction_with_a_hand_made_operator_field_is_not_a_server_error(client, login_as, operator):
    user = login_as("operator")
    bin_ = BinFactory(operator=user.organisation)
    original = _pickup(user, bin_)
    db.session.commit()
    url = f"/collection/pickups/{original.id}/correct"
    form = {"code": bin_.code, "weight_kg": "95,0", "collected_at": "2026-01-10T08:30", "operator": operator}
    assert post_form(client, url, form).status_code in (302, 422)


def test_a_superseded_pickup_cannot_be_corrected_again():
    user = UserFactory(role="coordinator")
    bin_ = BinFactory()
    original = _pickup(user, bin_)
    services.correct_pickup(original.id, services.PickupData(weight_kg=Decimal("90")), user)
    with pytest.raises(ConflictError):
        services.correct_pickup(original.id, services.PickupData(weight_kg=Decimal("91")), user)


def test_a_pickup_weighed_in_at_the_plant_is_no_longer_corrected():
    # else its correction could be taken in a second time and its kilos counted twice
    from app.sorting import services as sorting
    from tests.app.factories import SortingPlantFactory

    user = UserFactory(role="coordinator")
    original = _pickup(user, BinFactory())
    plant = SortingPlantFactory()
    data = sorting.IntakeData(plant.id, "round", utcnow(), "85", "0", pickup_ids=(original.id,))
    batch = sorting.record_intake(data, user)
    with pytest.raises(ConflictError, match=batch.lot_code):
        services.correct_pickup(original.id, services.PickupData(weight_kg=Decimal("90")), user)
    assert db.session.scalar(select(Pickup).where(Pickup.corrects_id == original.id)) is None
    assert not db.session.get(Pickup, original.id).superseded


def test_a_visit_without_kilograms_needs_an_incident_saying_the_bin_was_not_emptied():
    user = UserFactory(role="driver")
    bin_ = BinFactory(operator=user.organisation)
    visit = services.record_pickup(services.PickupData(bin_id=bin_.id, incidents=["inaccessible"]), user)
    assert visit.weight_kg is None
    assert visit.incident_codes == ["inaccessible"]
