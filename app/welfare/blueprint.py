"""The welfare blueprint, shared by its view modules (``routes``: households and requests; ``delivery_routes``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("welfare", __name__, url_prefix="/welfare")
