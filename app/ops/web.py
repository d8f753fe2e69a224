"""Per-request plumbing: trusted proxies, request ids, security headers (CSP with a nonce) and map tiles."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_PLACEHOLDER = re.compile(r"\{[a-z]+\}")


def init_web(app: Flask) -> None:
    trust_proxies(app)
    app.before_request(_assign_request_id)
    app.after_request(_add_headers)
    app.context_processor(_template_globals)


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client address, scheme and host from their X-Forwarded-* headers."""
    hops = int(app.config["FITMI_TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def request_id() -> str:
    """This request's id: the caller's ``X-Request-ID`` when it looks sane, else a new one."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return str(g.request_id)


def _assign_request_id() -> None:
    request_id()


def csp_nonce() -> str:
    """The nonce that lets this response's own inline ``<script nonce=…>`` run."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def tile_source(url: str) -> str:
    """The CSP source of a tile URL template: ``https://{s}.tile.example.org/{z}/…`` → ``https://*.tile.example.org``."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    host = _PLACEHOLDER.sub("*", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(nonce: str, tile_url: str) -> str:
    images = " ".join(filter(None, ("'self'", "data:", "blob:", tile_source(tile_url))))
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        # Templates colour routes with style attributes; scripts, the real risk, stay nonce-only.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": images,
        "connect-src": "'self'",
        "font-src": "'self'",
        "worker-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _add_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    headers[REQUEST_ID_HEADER] = request_id()
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Tile servers (OpenStreetMap's policy) want a Referer: send the origin only, never a path.
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype != "application/pdf":  # the browser's PDF viewer is not ours to restrict
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce(), config["MAP_TILE_URL"]))
    if config["FITMI_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _template_globals() -> dict[str, Any]:
    config = current_app.config
    return {
        "csp_nonce": csp_nonce,
        "map_tile_url": config["MAP_TILE_URL"],
        "map_tile_attribution": config["MAP_TILE_ATTRIBUTION"],
    }
