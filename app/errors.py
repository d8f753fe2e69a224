"""Domain errors and their translation into HTTP responses (Italian by default)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, flash, jsonify, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db


class DomainError(Exception):
    """A rule of the domain was broken; the message is shown to the user as is."""

    status = 400
    code = "domain_error"

    def __init__(self, message: str, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class ValidationError(DomainError):
    status = 422
    code = "validation_error"


class OutsideAreaError(ValidationError):
    code = "outside_area"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class AuthenticationRequired(DomainError):
    """No valid session or API token: the client must sign in (again)."""

    status = 401
    code = "unauthorized"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class ConflictError(DomainError):
    status = 409
    code = "conflict"


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_payload(code: str, message: str, field: str | None = None, **details: Any) -> dict[str, Any]:
    """The one JSON error shape of the API: ``{"error": {"code", "message", "field"}}``."""
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    if details:
        body["details"] = details
    return {"error": body}


def _respond(status: int, code: str, message: str, field: str | None = None, **details: Any) -> Response:
    if wants_json():
        response = jsonify(error_payload(code, message, field, **details))
    else:
        response = make_response(render_template("errors/error.html", status=status, message=message))
    response.status_code = status
    return response


def _http_messages() -> dict[int, str]:
    return {
        400: _("Richiesta non valida."),
        403: _("Non hai i permessi per questa pagina."),
        404: _("Pagina non trovata."),
        405: _("Metodo non consentito."),
        409: _("Conflitto: i dati sono stati modificati da qualcun altro."),
        413: _("Il file o la richiesta supera la dimensione massima consentita."),
        429: _("Troppi tentativi. Riprova tra qualche minuto."),
        500: _("Errore interno. Nessun dato è stato modificato."),
    }


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Any:
        db.session.rollback()  # see _internal
        if not wants_json() and request.method == "POST" and error.status in (409, 422, 400):
            flash(error.message, "danger")
            return redirect(request.full_path if request.query_string else request.path)
        return _respond(error.status, error.code, error.message, error.field, **error.details)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        db.session.rollback()  # see _internal
        msg = _("Modulo scaduto o non valido (token CSRF). Ricarica la pagina e riprova.")
        return _respond(400, "csrf_failed", msg)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        db.session.rollback()  # see _internal
        status = error.code or 500
        message = _http_messages().get(status, error.description or "")
        response = _respond(status, f"http_{status}", message)
        for name, value in error.get_headers():  # Allow on a 405, WWW-Authenticate, Retry-After...
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError) -> Any:
        """Any unexpected exception (already logged by Flask): the Italian 500 page or JSON error."""
        # Bad input changes nothing, and a failed flush must not break the page: the locale and the
        # menu read the current user through the session, which needs a rollback first.
        db.session.rollback()
        try:
            return _respond(500, "http_500", _http_messages()[500])
        except Exception:  # the page cannot be drawn either (database gone?): a plain Italian line
            current_app.logger.exception("The error page failed too")
            return Response("Errore interno. Nessun dato è stato modificato.", 500, mimetype="text/plain")
