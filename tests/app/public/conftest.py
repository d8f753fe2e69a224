"""Helpers of the public pages' tests: a photo with EXIF, posting a report as a citizen."""

from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient
from PIL import Image

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def jpeg_with_exif(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG carrying EXIF: the camera's maker and a GPS position (what must never be kept)."""
    image = Image.new("RGB", size, (200, 180, 40))
    exif = Image.Exif()
    exif[0x010F] = "Telefono di Mario Rossi"  # Make
    exif[0x8825] = {1: "N", 2: (45.0, 30.0, 0.0), 3: "E", 4: (9.0, 10.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def post_report(client: FlaskClient, public_code: str, kind: str, photo: bytes | None = None, **env: Any) -> Any:
    url = f"/pubblico/contenitori/{public_code}"
    token = _CSRF.search(client.get(url).get_data(as_text=True))
    assert token, "no CSRF token on the bin's public page"
    data: dict[str, Any] = {"kind": kind, "csrf_token": token.group(1)}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "foto.jpg")
    return client.post(url, data=data, content_type="multipart/form-data", environ_base=env)
