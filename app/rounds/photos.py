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


def _refused(message: str, field: str = "photo") -> ValidationError:
    return ValidationError(message, field=field)


def _data_url_bytes(value: object, max_bytes: int, field: str) -> bytes:
    """The bytes of a ``data:...;base64,...`` string, at most ``max_bytes`` (refused by ``field`` otherwise)."""
    if not isinstance(value, str) or not value.startswith("data:") or ";base64," not in value:
        raise _refused(_("Serve un'immagine (data URL base64)."), field)
    encoded = value.split(";base64,", 1)[1]
    too_big = _("Immagine troppo grande (al massimo %(kb)s kB).", kb=max_bytes // 1024)
    if len(encoded) > (max_bytes // 3 + 1) * 4:
        raise _refused(too_big, field)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise _refused(_("Immagine non leggibile (base64 non valido)."), field) from error
    if len(data) > max_bytes:
        raise _refused(too_big, field)
    return data


def parse_photo(value: object) -> Photo | None:
    """A ``data:image/...;base64,...`` string as checked bytes (JPEG or PNG by their magic bytes, at most 2 MB)."""
    if value is None or value == "":
        return None
    data = _data_url_bytes(value, MAX_PHOTO_BYTES, "photo")
    content_type = next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)
    if content_type is None:
        raise _refused(_("La foto deve essere un'immagine JPEG o PNG."))
    return Photo(content_type, data)


MAX_SIGNATURE_BYTES = 200 * 1024
SIGNATURE_SIDES = (100, 2000)  # smallest and largest width and height, in pixels
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def parse_signature(value: object) -> bytes:
    """A signature drawn on the phone's canvas: a PNG data URL, at most 200 kB, of a plausible size in pixels."""
    if value is None or value == "":
        raise _refused(_("Fai firmare sullo schermo: la firma manca."), "signature")
    data = _data_url_bytes(value, MAX_SIGNATURE_BYTES, "signature")
    if not data.startswith(PNG_MAGIC) or data[12:16] != b"IHDR" or len(data) < 24:
        raise _refused(_("La firma deve essere un'immagine PNG."), "signature")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    low, high = SIGNATURE_SIDES
    if not (low <= width <= high and low // 2 <= height <= high):
        raise _refused(_("Immagine della firma di dimensioni non valide."), "signature")
    return data


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


def detach(stop: RouteStop) -> None:
    """Forget the photo of a stop whose «done» was taken back."""
    photo = db.session.scalar(select(StopPhoto).where(StopPhoto.route_stop_id == stop.id))
    if photo is not None:
        db.session.delete(photo)
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
