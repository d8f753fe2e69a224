"""API fixtures: a driver with a personal token and a bin of their cooperative."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.api import tokens
from app.extensions import db
from tests.app.factories import BinFactory, UserFactory


@pytest.fixture
def driver():
    return UserFactory(role="driver", email="autista@coop-esempio.it")


@pytest.fixture
def token(driver) -> str:
    _row, plain = tokens.create_token(driver.email, "telefono")
    db.session.commit()
    return plain


@pytest.fixture
def bin_(driver):
    found = BinFactory(code="VS-0123", operator=driver.organisation)
    db.session.commit()
    return found


@pytest.fixture
def api(client, token):
    """POST JSON with the bearer token; a fresh Idempotency-Key unless one is given."""

    def _post(url: str, body: Any, key: str | None = "", **headers: str) -> Any:
        sent = {"Authorization": f"Bearer {token}", **headers}
        if key is not None:
            sent["Idempotency-Key"] = key or str(uuid.uuid4())
        return client.post(url, json=body, headers=sent)

    return _post
