"""A citizen's or a firm's photo: checked (type, bytes, pixels) and re-encoded as JPEG, so no EXIF is kept."""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import ValidationError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 24_000_000  # a 24 MP phone camera; more is refused before decoding
STORED_SIDE_PX = 1600  # the operator needs to see the bin, not print it
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def _refused(message: str) -> ValidationError:
    return ValidationError(message, field="photo")


def clean_photo(data: bytes) -> bytes | None:
    """The photo as a JPEG of at most 1600 px a side with no metadata; None when none was sent."""
    if not data:
        return None
    if len(data) > MAX_PHOTO_BYTES:
        raise _refused(_("La foto è troppo grande (al massimo 5 MB)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise _refused(_("La foto deve essere un'immagine JPEG, PNG o WebP."))
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise _refused(_("La foto ha troppi pixel (al massimo 24 milioni)."))
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise _refused(_("La foto non è un'immagine leggibile.")) from error
    upright = ImageOps.exif_transpose(image).convert("RGB")  # keep how it was held, then drop the EXIF
    upright.thumbnail((STORED_SIDE_PX, STORED_SIDE_PX))
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=85)  # a fresh file: no EXIF, no XMP, no comments
    return out.getvalue()
