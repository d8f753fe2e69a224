"""The JSON API: pickups (idempotent), sensor fill readings, forecasts, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, g, jsonify, request
from flask_login import current_user

from app.api import schemas, tokens
from app.api.openapi import openapi_document
from app.collection import idempotency, services
from app.collection import schemas as collection_schemas
from app.collection.models import PickupSource
from app.core import inputs
from app.errors import AuthenticationRequired
from app.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api", cli_group="api")
# CSRF is checked below for browser-session requests only: a bearer token is not sent by a browser on its own.
csrf.exempt(bp)


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        g.api_user, touched = tokens.user_for_token(header[7:])
        if touched:  # the last-use time, in its own short transaction (also for GET requests)
            db.session.commit()
        return
    g.api_user = current_user if current_user.is_authenticated else None
    if g.api_user is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # the session cookie rides along by itself: require the X-CSRFToken header


def _user() -> Any:
    if g.get("api_user") is None:
        from flask_babel import gettext as _

        raise AuthenticationRequired(_("Autenticazione richiesta: token API (Bearer) o sessione."))
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
        pickup = services.record_pickup(collection_schemas.parse_pickup(payload), user, source=PickupSource.API)
        return 201, {"pickup": schemas.pickup_json(pickup)}

    return idempotency.respond_once(user.id, handle)


@bp.post("/v1/bins/<int:bin_id>/fill-readings")
def create_fill_reading(bin_id: int) -> Any:
    user = _user()
    fill, measured_at, device = collection_schemas.parse_reading(_payload())
    reading = services.record_fill_reading(bin_id, fill, user, measured_at, device)
    db.session.commit()
    return jsonify({"reading": schemas.reading_json(reading)}), 201


@bp.get("/v1/bins/<int:bin_id>/forecast")
def bin_forecast(bin_id: int) -> Any:
    at = collection_schemas.parse_moment(request.args.get("at"), "at")
    bin_, forecast = services.forecast_for(bin_id, _user(), at)
    return jsonify({"forecast": schemas.forecast_json(bin_, forecast)})


def _cli_call(call: Any) -> Any:
    """Run a token service from the command line: a refusal is a click error, success is committed."""
    from app.errors import DomainError

    try:
        result = call()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    return result


@bp.cli.command("create-token")
@click.argument("email")
@click.option("--name", default="", help="Etichetta del token (es. 'telefono furgone 3').")
@click.option("--expires-days", type=click.IntRange(min=1), default=None, help="Scade dopo N giorni (se omesso: mai).")
def create_token_command(email: str, name: str, expires_days: int | None) -> None:
    """Create a personal API token for EMAIL and print it once."""
    row, token = _cli_call(lambda: tokens.create_token(email, name, expires_days))
    click.echo(f"Token API per {row.user.email} (mostrato una sola volta):")
    click.echo(token)


def _when(moment: Any) -> str:
    return moment.isoformat(timespec="minutes") if moment else "-"


@bp.cli.command("list-tokens")
@click.argument("email", required=False)
def list_tokens_command(email: str | None) -> None:
    """List API tokens (of EMAIL if given): prefix, name, user, created, last used, expires, revoked."""
    click.echo("prefisso\tnome\tutente\tcreato\tultimo uso\tscade\trevocato")
    for row in tokens.list_tokens(email):
        times = (row.created_at, row.last_used_at, row.expires_at, row.revoked_at)
        click.echo("\t".join([row.prefix, row.name or "-", row.user.email, *(_when(t) for t in times)]))


@bp.cli.command("revoke-token")
@click.argument("prefix")
def revoke_token_command(prefix: str) -> None:
    """Revoke the API tokens with PREFIX (as listed by list-tokens)."""
    count = _cli_call(lambda: tokens.revoke_token(prefix))
    if count == 0:
        raise click.ClickException(f"Nessun token attivo con prefisso {prefix}.")
    click.echo(f"Token revocati: {count}")
