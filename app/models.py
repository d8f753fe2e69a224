"""Imports every domain's models so that Alembic and create_all see the whole schema."""

from app.auth.models import LoginSession, Organisation, User
from app.fleet.models import Site, Vehicle
from app.geo.models import Comune

__all__ = ["Comune", "LoginSession", "Organisation", "Site", "User", "Vehicle"]
