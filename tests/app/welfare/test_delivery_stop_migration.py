"""The migration that links each delivery to its stop by a foreign key, run on a database holding rounds."""

from __future__ import annotations

from typing import Any

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.extensions import db
from app.welfare.models import Delivery
from tests.app import factories
from tests.app.conftest import revision_before
from tests.app.welfare.conftest import approved

REVISION = "79274d387432"  # welfare_delivery.route_stop_id


def _stop(delivery: Delivery, status: str) -> Any:
    route = factories.RoundRouteFactory(plan=factories.RoundPlanFactory(kind="delivery", status=status))
    return factories.RouteStopFactory(route=route, kind="delivery", bin=None, reference=delivery.reference)


def test_migration_links_each_delivery_to_the_newest_stop_of_a_published_round(household, people):
    worker, coordinator, _operator, _shelf = people
    request = approved(household, worker, coordinator)
    failed_then_replanned, scheduled, never_planned, only_drafted = (
        Delivery(request=request, status=status) for status in ("scheduled", "scheduled", "to_plan", "to_plan")
    )
    db.session.add_all([failed_then_replanned, scheduled, never_planned, only_drafted])
    db.session.flush()
    factories.driver_round(factories.UserFactory(role="driver"), stops=2)  # a collection round beside them
    _stop(failed_then_replanned, "closed")
    replanned = _stop(failed_then_replanned, "published")
    published = _stop(scheduled, "published")
    _stop(scheduled, "draft")  # a later draft with the same reference takes nothing
    _stop(only_drafted, "draft")
    db.session.commit()
    expected = {
        failed_then_replanned.id: replanned.id,
        scheduled.id: published.id,
        never_planned.id: None,
        only_drafted.id: None,
    }
    db.session.close()

    downgrade(revision=revision_before(REVISION))
    upgrade()

    links = dict(db.session.execute(select(Delivery.id, Delivery.route_stop_id)).all())
    assert links == expected
