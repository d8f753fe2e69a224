"""Photos taken at a stop when it is marked done: checked data URLs in, stored once, shown to who sees the route."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.rounds.models import RouteStop, StopPhoto

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(frozen=True)
class Photo:
    content_type: str
    data: bytes


def _refused(message: str) -> ValidationError:
    return ValidationError(message, field="photo")


def parse_photo(value: object) -> Photo | None:
    """A ``data:image/...;base64,...`` string as checked bytes (JPEG or PNG by their magic bytes, at most 2 MB)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.startswith("data:") or ";base64," not in value:
        raise _refused(_("La foto deve essere un'immagine (data URL base64)."))
    encoded = value.split(";base64,", 1)[1]
    if len(encoded) > (MAX_PHOTO_BYTES // 3 + 1) * 4:
        raise _refused(_("La foto è troppo grande (al massimo 2 MB)."))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise _refused(_("La foto non è leggibile (base64 non valido).")) from error
    if len(data) > MAX_PHOTO_BYTES:
        raise _refused(_("La foto è troppo grande (al massimo 2 MB)."))
    content_type = next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)
    if content_type is None:
        raise _refused(_("La foto deve essere un'immagine JPEG o PNG."))
    return Photo(content_type, data)


def attach(stop: RouteStop, photo: Photo | None, user: User) -> None:
    """Keep the photo of a stop just marked done (in the same transaction as the stop)."""
    if photo is None:
        return
    db.session.add(
        StopPhoto(
            route_stop_id=stop.id,
            content_type=photo.content_type,
            data=photo.data,
            size_bytes=len(photo.data),
            taken_by_id=user.id,
        )
    )
    db.session.flush()


def photo_of(stop: RouteStop) -> StopPhoto:
    """The photo of a stop (404 when none was taken)."""
    photo = db.session.scalar(select(StopPhoto).where(StopPhoto.route_stop_id == stop.id))
    if photo is None:
        raise NotFoundError(_("Nessuna foto per questa fermata."))
    return photo


def stops_with_photo(stop_ids: Iterable[int]) -> set[int]:
    """Which of these stops have a photo (without loading the images)."""
    ids = list(stop_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(StopPhoto.route_stop_id).where(StopPhoto.route_stop_id.in_(ids))))
