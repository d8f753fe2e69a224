"""Reading pickups for pages."""

from __future__ import annotations

from sqlalchemy import select

from app.bins.models import Bin
from app.collection.models import Pickup
from app.extensions import db


def pickup_history(bin_: Bin, limit: int = 200) -> list[Pickup]:
    """The bin's valid pickups (corrections replace what they correct), oldest first."""
    query = select(Pickup).where(Pickup.bin_id == bin_.id, Pickup.superseded.is_(False))
    rows = list(db.session.scalars(query.order_by(Pickup.collected_at.desc()).limit(limit)))
    return rows[::-1]
