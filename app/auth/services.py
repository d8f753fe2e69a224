"""Authentication rules: password hashing, login sessions, user and organisation management."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import COMPANY_KINDS, LoginSession, Organisation, OrganisationKind, User
from app.core.clock import utcnow
from app.core.policy import Role
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.geo.models import Comune

# argon2id with the library's RFC 9106 low-memory profile (64 MiB, 3 passes), above OWASP's minimum.
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("La password deve avere almeno %(n)d caratteri.", n=MIN_PASSWORD_LENGTH), field="password"
        )
    return _hasher.hash(password)


def change_password(user: User, current: str, new: str, repeated: str) -> User:
    """The user's own new password: the current one proves it is them; never the same again."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise ValidationError(_("La password attuale non è corretta."), field="current") from None
    if new != repeated:
        raise ValidationError(_("Le due nuove password non coincidono."), field="repeated")
    if new == current:
        raise ValidationError(_("La nuova password deve essere diversa da quella attuale."), field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (never says which part was wrong)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, lifetime_s: int) -> str:
    """Record a new login and return the token to keep in the signed session cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime_s),
        )
    )
    user.last_login_at = now
    db.session.flush()
    return token


def user_for_session(user_id: str, token: str | None) -> User | None:
    """The user of a live (not revoked, not expired) login session, else None."""
    if not token or not user_id.isdigit():
        return None
    login = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if login is None or login.user_id != int(user_id) or login.revoked_at is not None:
        return None
    if login.expires_at <= utcnow():
        return None
    user = db.session.get(User, login.user_id)
    return user if user is not None and user.active else None


def close_session(token: str | None) -> None:
    if not token:
        return
    login = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if login is not None and login.revoked_at is None:
        login.revoked_at = utcnow()
        db.session.flush()


def revoke_all_sessions(user: User) -> None:
    for login in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)):
        if login.revoked_at is None:
            login.revoked_at = utcnow()


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _comuni(codes: list[str]) -> list[Comune]:
    found = list(db.session.scalars(select(Comune).where(Comune.istat_code.in_(codes))))
    missing = sorted(set(codes) - {c.istat_code for c in found})
    if missing:
        raise ValidationError(_("Comune sconosciuto: %(codes)s", codes=", ".join(missing)), field="comuni")
    return found


def save_organisation(
    name: str, kind: str, comune_codes: list[str], organisation: Organisation | None = None
) -> Organisation:
    """Create or update an organisation; social-services offices must cover at least one comune."""
    name = name.strip()
    if kind not in {k.value for k in OrganisationKind}:
        raise ValidationError(_("Tipo di organizzazione non valido."), field="kind")
    if kind == OrganisationKind.SOCIAL_SERVICES and not comune_codes:
        raise ValidationError(_("Un ufficio di servizi sociali deve coprire almeno un comune."), field="comuni")
    clash = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if clash is not None and clash is not organisation:
        raise ConflictError(_("Esiste già un'organizzazione con questo nome."), field="name")
    organisation = organisation or Organisation()
    organisation.name, organisation.kind = name, kind
    organisation.comuni = _comuni(comune_codes)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def save_user(
    *,
    email: str,
    full_name: str,
    role: str,
    organisation_id: int,
    password: str | None,
    active: bool = True,
    locale: str = "it",
    user: User | None = None,
    temporary_password: bool = False,
) -> User:
    """Create or update a user; a new user needs a password, an edit keeps the old one if none.

    ``temporary_password``: the password is set by an admin (a new account or a reset), so the user
    must choose their own at the next login, and their open sessions end.
    """
    email = email.strip().lower()
    if role not in {r.value for r in Role}:
        raise ValidationError(_("Ruolo non valido."), field="role")
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError(_("Organizzazione inesistente."), field="organisation_id")
    if role == Role.SOCIAL_WORKER and organisation.kind != OrganisationKind.SOCIAL_SERVICES:
        raise ValidationError(
            _("Un assistente sociale deve appartenere a un ufficio di servizi sociali."),
            field="organisation_id",
        )
    if (role == Role.COMPANY) != (organisation.kind in COMPANY_KINDS):
        raise ValidationError(
            _("Il ruolo impresa è per gli utenti di imprese, makerspace, cooperative e scuole, e solo per loro."),
            field="role",
        )
    clash = db.session.scalar(select(User).where(User.email == email))
    if clash is not None and clash is not user:
        raise ConflictError(_("Esiste già un utente con questa e-mail."), field="email")
    if user is None and not password:
        raise ValidationError(_("La password è obbligatoria per un nuovo utente."), field="password")
    user = user or User()
    user.email, user.full_name, user.role = email, full_name.strip(), role
    user.organisation = organisation
    user.locale = locale if locale in ("it", "en") else "it"
    if password:
        user.password_hash = hash_password(password)
        user.must_change_password = temporary_password
        if temporary_password and user.id is not None:
            revoke_all_sessions(user)
    if user.active and not active and user.id is not None:
        revoke_all_sessions(user)
    user.active = active
    db.session.add(user)
    db.session.flush()
    return user
