"""Error responses: the 500 page after a failed write, 405 with its Allow header."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from app.auth.models import Organisation
from app.extensions import db


def _failed_write(*_args, **_kwargs):
    db.session.add(Organisation(name=None))  # NOT NULL: the flush fails and leaves the session needing a rollback
    db.session.flush()


@pytest.fixture
def unpropagated(app, monkeypatch):
    """Unexpected exceptions answered by the error handler, as in production (tests re-raise them by default)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def test_the_italian_500_page_is_shown_and_logged_after_a_failed_write(
    client, login_as, unpropagated, monkeypatch, caplog
):
    login_as("coordinator")
    monkeypatch.setattr("app.bins.queries.bin_page", _failed_write)
    with caplog.at_level(logging.ERROR):
        response = client.get("/bins/")
    assert response.status_code == 500
    assert "Errore interno. Nessun dato è stato modificato." in response.get_data(as_text=True)
    assert any(r.exc_info and "IntegrityError" in repr(r.exc_info[1]) for r in caplog.records)
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name.is_(None))) == 0


def test_an_unexpected_error_in_the_api_is_a_json_500(client, login_as, unpropagated, monkeypatch):
    login_as("coordinator")
    monkeypatch.setattr("app.api.routes.openapi_document", _failed_write)
    response = client.get("/api/openapi.json")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "http_500"


@pytest.mark.parametrize(("url", "headers"), [("/logout", {}), ("/api/v1/pickups", {"Accept": "application/json"})])
def test_a_405_names_the_allowed_methods(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 405
    assert "POST" in {m.strip() for m in response.headers.get("Allow", "").split(",")}
