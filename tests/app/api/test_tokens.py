"""API tokens: listed, revoked (command and admin page), optionally expiring; last use written at most once a minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from app.collection.models import ApiToken
from app.extensions import db
from tests.app.conftest import post_form, run_cli


def _forecast(client: Any, token: str, bin_: Any) -> Any:
    return client.get(f"/api/v1/bins/{bin_.id}/forecast", headers={"Authorization": f"Bearer {token}"})


def _stored() -> ApiToken:
    return db.session.scalar(select(ApiToken).execution_options(populate_existing=True))


def test_tokens_are_listed_and_a_revoked_token_gets_401(app, client, token, bin_, driver):
    assert _forecast(client, token, bin_).status_code == 200
    prefix = _stored().prefix
    listing = run_cli(app, "api", "list-tokens", driver.email)
    assert listing.exit_code == 0, listing.output
    assert prefix in listing.output and "telefono" in listing.output and driver.email in listing.output
    revoked = run_cli(app, "api", "revoke-token", prefix)
    assert revoked.exit_code == 0, revoked.output
    response = _forecast(client, token, bin_)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert run_cli(app, "api", "revoke-token", prefix).exit_code != 0  # nothing left to revoke


def test_an_expired_token_gets_401_like_a_revoked_one(app, client, bin_, driver, clock):
    created = run_cli(app, "api", "create-token", driver.email, "--expires-days", "30")
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert _stored().expires_at is not None
    assert _forecast(client, token, bin_).status_code == 200
    clock.advance(timedelta(days=30, minutes=1))
    response = _forecast(client, token, bin_)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_a_token_cannot_be_created_already_expired(app, driver):
    result = run_cli(app, "api", "create-token", driver.email, "--expires-days", "0")
    assert result.exit_code != 0 and _stored() is None


def test_an_admin_revokes_a_token_from_the_admin_page(client, login_as, token, bin_):
    login_as("admin")
    stored = _stored()
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert stored.prefix in page and "telefono" in page
    assert client.post(f"/admin/tokens/{stored.id}/revoke").status_code == 400  # no CSRF token
    assert _stored().revoked_at is None
    assert post_form(client, f"/admin/tokens/{stored.id}/revoke", {}, "/admin/tokens").status_code == 302
    assert _stored().revoked_at is not None
    assert _forecast(client, token, bin_).status_code == 401


@pytest.mark.parametrize("role", ["coordinator", "operator", "driver"])
def test_only_admins_see_and_revoke_tokens(client, login_as, token, role):
    login_as(role)
    stored = _stored()
    assert client.get("/admin/tokens").status_code == 403
    assert post_form(client, f"/admin/tokens/{stored.id}/revoke", {}, "/account").status_code == 403
    assert _stored().revoked_at is None


@pytest.fixture
def token_updates(app) -> Iterator[list[str]]:
    """The UPDATE statements sent for api_token while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_two_requests_in_the_same_minute_write_last_used_once(client, token, bin_, token_updates, clock):
    now = clock.now
    assert _forecast(client, token, bin_).status_code == 200
    assert _forecast(client, token, bin_).status_code == 200
    assert len(token_updates) == 1 and _stored().last_used_at == now
    later = now + timedelta(seconds=61)
    clock.set(later)
    assert _forecast(client, token, bin_).status_code == 200
    assert len(token_updates) == 2 and _stored().last_used_at == later
