"""The JSON API: pickups (idempotent), sensor fill readings, forecasts, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, g, jsonify, request
from flask_login import current_user

from app import inputs
from app.api import idempotency, schemas, tokens
from app.api.openapi import openapi_document
from app.collection import services
from app.collection.models import PickupSource
from app.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api", cli_group="api")
# CSRF is checked below for browser-session requests only: a bearer token is not sent by a browser on its own.
csrf.exempt(bp)


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        g.api_user = tokens.user_for_token(header[7:])
        return
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # the session cookie rides along by itself: require the X-CSRFToken header
    g.api_user = current_user if current_user.is_authenticated else None


def _user() -> Any:
    if g.get("api_user") is None:
        from flask_babel import gettext as _

        raise tokens.AuthenticationRequired(_("Autenticazione richiesta: token API (Bearer) o sessione."))
    return g.api_user


def _payload() -> Any:
    return inputs.json_body()


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.post("/v1/pickups")
def create_pickup() -> Any:
    user = _user()
    payload = _payload()

    def handle() -> tuple[int, dict[str, Any]]:
        pickup = services.record_pickup(schemas.parse_pickup(payload), user, source=PickupSource.API)
        return 201, {"pickup": schemas.pickup_json(pickup)}

    return idempotency.respond_once(user.id, handle)


@bp.post("/v1/bins/<int:bin_id>/fill-readings")
def create_fill_reading(bin_id: int) -> Any:
    user = _user()
    fill, measured_at, device = schemas.parse_reading(_payload())
    reading = services.record_fill_reading(bin_id, fill, user, measured_at, device)
    db.session.commit()
    return jsonify({"reading": schemas.reading_json(reading)}), 201


@bp.get("/v1/bins/<int:bin_id>/forecast")
def bin_forecast(bin_id: int) -> Any:
    at = schemas.parse_moment(request.args.get("at"), "at")
    bin_, forecast = services.forecast_for(bin_id, _user(), at)
    return jsonify({"forecast": schemas.forecast_json(bin_, forecast)})


@bp.cli.command("create-token")
@click.argument("email")
@click.option("--name", default="", help="Etichetta del token (es. 'telefono furgone 3').")
def create_token_command(email: str, name: str) -> None:
    """Create a personal API token for EMAIL and print it once."""
    from app.errors import DomainError

    try:
        row, token = tokens.create_token(email, name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Token API per {row.user.email} (mostrato una sola volta):")
    click.echo(token)
