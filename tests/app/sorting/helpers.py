"""Small builders shared by the sorting and stock tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from app.sorting import services
from app.sorting.models import Fraction, IntakeBatch, SortingSession
from tests.app import factories

ARRIVAL = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def intake(site=None, gross="1500", tare="500", user=None, **changes) -> IntakeBatch:
    site = site or factories.SortingPlantFactory()
    data = services.IntakeData(site_id=site.id, source="round", received_at=ARRIVAL, gross_kg=gross, tare_kg=tare)
    return services.record_intake(services.IntakeData(**{**data.__dict__, **changes}), user)


def closed_session(fractions: dict[str, str], net_kg: str = "1000", user=None) -> SortingSession:
    """A closed session over one batch of ``net_kg`` with the given fraction weights."""
    batch = intake(gross=str(Decimal(net_kg) + 500), tare="500", user=user)
    session = services.open_session(batch.site_id, [batch.id], user)
    for kind, kg in fractions.items():
        services.add_fraction(session.id, kind, kg, user)
    return services.close_session(session.id, user)


def reuse_b_fraction(kg: str = "200") -> Fraction:
    session = closed_session({"reuse_b": kg, "recycle_mixed": str(1000 - Decimal(kg))})
    return next(f for f in session.fractions if f.kind == "reuse_b")
