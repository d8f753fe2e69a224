"""Personal API tokens: created once (shown once), stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.collection.models import ApiToken
from app.db import utcnow
from app.errors import DomainError, NotFoundError
from app.extensions import db

TOKEN_PREFIX = "fitmi_"  # noqa: S105  (a public marker, not a secret)


class AuthenticationRequired(DomainError):
    status = 401
    code = "unauthorized"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(email: str, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the user with this e-mail; returns the row and the token (never stored)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise NotFoundError(_("Nessun utente attivo con questa e-mail."), field="email")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name[:80], token_hash=_hash(token), prefix=token[: len(TOKEN_PREFIX) + 6])
    db.session.add(row)
    db.session.flush()
    return row, token


def user_for_token(token: str) -> User:
    """The active user of a valid, unrevoked token; 401 otherwise."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token.strip())))
    if row is None or row.revoked_at is not None or not row.user.active:
        raise AuthenticationRequired(_("Token API non valido o revocato."))
    row.last_used_at = utcnow()
    return row.user


def revoke_token(prefix: str) -> int:
    """Revoke the tokens starting with ``prefix``; returns how many."""
    rows = list(db.session.scalars(select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = utcnow()
    db.session.flush()
    return len(rows)
