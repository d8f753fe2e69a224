"""Personal API tokens: created once (shown once), stored as SHA-256, revocable, optionally expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.collection.models import ApiToken
from app.core.clock import utcnow
from app.errors import AuthenticationRequired, NotFoundError, ValidationError
from app.extensions import db

TOKEN_PREFIX = "fitmi_"  # noqa: S105  (a public marker, not a secret)
# last_used_at is a hint for admins, not an audit trail: written at most this often per token, so that
# concurrent requests of one token do not queue behind a row lock taken only to store a timestamp.
LAST_USED_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(email: str, name: str = "", expires_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the user with this e-mail, valid ``expires_days`` days (None: until revoked).

    Returns the row and the token (never stored).
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise NotFoundError(_("Nessun utente attivo con questa e-mail."), field="email")
    if expires_days is not None and expires_days < 1:
        raise ValidationError(_("La durata del token è di almeno un giorno."), field="expires_days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name[:80], token_hash=_hash(token), prefix=token[: len(TOKEN_PREFIX) + 6])
    if expires_days is not None:
        row.expires_at = utcnow() + timedelta(days=expires_days)
    db.session.add(row)
    db.session.flush()
    return row, token


def user_for_token(token: str) -> tuple[User, bool]:
    """The active user of a valid, unrevoked, unexpired token (401 otherwise), and whether its last use was written.

    One query reads the token with its user: this runs on every API request.
    """
    row = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == _hash(token.strip()))
    )
    now = utcnow()
    if row is None or row.revoked_at is not None or not row.user.active:
        raise AuthenticationRequired(_("Token API non valido o revocato."))
    if row.expires_at is not None and row.expires_at <= now:
        raise AuthenticationRequired(_("Token API scaduto."))
    if row.last_used_at is None or row.last_used_at < now - LAST_USED_EVERY:
        _touch(row.id, now)
        return row.user, True
    return row.user, False


def _touch(token_id: int, now: datetime) -> None:
    """Record the use unless it was recorded less than a minute ago or another request is recording it.

    PostgreSQL: ``SKIP LOCKED`` in the subquery makes the UPDATE a no-op instead of a wait when another
    transaction holds the row. SQLite has no row locks (its transactions are already serialised).
    """
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_EVERY)
    free = select(ApiToken.id).where(ApiToken.id == token_id, stale).with_for_update(skip_locked=True)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id.in_(free.scalar_subquery()))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def list_tokens(email: str | None = None) -> list[ApiToken]:
    """Every token (of the user with ``email`` if given), newest first, with its user."""
    query = select(ApiToken).join(User).options(selectinload(ApiToken.user)).order_by(ApiToken.id.desc())
    if email:
        query = query.where(User.email == email.strip().lower())
    return list(db.session.scalars(query))


def _revoke(query: Select[tuple[ApiToken]]) -> int:
    rows = list(db.session.scalars(query.where(ApiToken.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = utcnow()
    db.session.flush()
    return len(rows)


def revoke_token(prefix: str) -> int:
    """Revoke the tokens with this prefix (as printed by ``flask api list-tokens``); returns how many."""
    return _revoke(select(ApiToken).where(ApiToken.prefix == prefix.strip()))


def revoke_token_id(token_id: int) -> int:
    """Revoke one token by id (the admin page); returns 1, or 0 when it was already revoked."""
    if db.session.get(ApiToken, token_id) is None:
        raise NotFoundError(_("Token API non trovato."))
    return _revoke(select(ApiToken).where(ApiToken.id == token_id))
