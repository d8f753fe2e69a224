"""Idempotent submissions: a resent request gets the first answer and never writes twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.collection.models import IdempotencyKey
from app.core.inputs import json_body
from app.errors import ConflictError, DomainError
from app.extensions import db

MAX_KEY_LENGTH = 100


class KeyReused(ConflictError):
    code = "idempotency_key_reused"


class KeyMissing(DomainError):
    status = 400
    code = "idempotency_key_required"


def request_hash(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise KeyMissing(_("Manca l'intestazione Idempotency-Key (una per invio)."), field="Idempotency-Key")
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise KeyMissing(
            _("Idempotency-Key non valida (al massimo %(n)d caratteri ASCII).", n=MAX_KEY_LENGTH),
            field="Idempotency-Key",
        )
    return key


def _replay(row: IdempotencyKey, digest: str) -> tuple[int, dict[str, Any], bool]:
    if row.request_hash != digest:
        raise KeyReused(_("Questa Idempotency-Key è già stata usata per un invio diverso."), field="Idempotency-Key")
    # A success is replayed as 200 (nothing new was created); a stored refusal keeps its status.
    status = row.response_status if row.response_status >= 400 else 200
    return status, json.loads(row.response_body), True


def run_once(
    user_id: int, key: str, digest: str, handler: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any], bool]:
    """(status, body, replayed): the stored answer for a known key, else run ``handler`` and store its answer.

    The key row's primary key is the guard: of two identical submissions racing, the second fails to
    insert it and replays the first. The request's transaction holds nothing else, so that failure
    rolls it back whole (no savepoint: two round trips fewer on every submission).
    """
    row = db.session.get(IdempotencyKey, (user_id, key))
    if row is not None:
        return _replay(row, digest)
    status, body = handler()
    db.session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            request_hash=digest,
            response_status=status,
            response_body=json.dumps(body, ensure_ascii=False),
        )
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        row = db.session.get(IdempotencyKey, (user_id, key))
        if row is None:
            raise
        return _replay(row, digest)
    return status, body, False


def respond_once(user_id: int, handler: Callable[[], tuple[int, dict[str, Any]]]) -> Response:
    """Handle the current JSON request once per ``Idempotency-Key`` header, commit, and answer.

    A replay answers with the stored body and the header ``Idempotent-Replayed: true``.
    """
    key = check_key(request.headers.get("Idempotency-Key"))
    payload = json_body()
    status, body, replayed = run_once(user_id, key, request_hash(request.method, request.path, payload), handler)
    db.session.commit()
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
