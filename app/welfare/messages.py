"""The Italian texts sent to households and social workers when a request moves on."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from app.auth.models import User
from app.extensions import db
from app.i18n import fmt_date, fmt_datetime
from app.welfare.models import GarmentRequest, HouseholdIdentity
from app.welfare.notify import Message, queue
from app.welfare.privacy import log_access


def _household_messages(request: GarmentRequest, actor: User | None, subject: str, body: str) -> list[Message]:
    identity = db.session.get(HouseholdIdentity, request.household_id)
    if identity is None or not (identity.phone or identity.email):
        return []
    log_access(request.household, actor, "notify")
    channel, to = ("sms", identity.phone) if identity.phone else ("email", identity.email)
    return [Message(channel, to, subject, body)]


def _worker_message(request: GarmentRequest, subject: str, body: str) -> list[Message]:
    worker = request.created_by
    return [Message("email", worker.email, subject, body)] if worker and worker.active else []


def _queue(messages: list[Message]) -> None:
    for message in messages:
        queue(db.session(), message)


def ready_for_pickup(request: GarmentRequest, actor: User | None) -> None:
    site = request.pickup_site
    assert site is not None
    with force_locale("it"):
        subject = _("FIT-MI: richiesta n. %(id)s pronta", id=request.id)
        household = _(
            "FIT-MI: i vestiti della richiesta n. %(id)s sono pronti. Può ritirarli presso %(site)s, %(address)s "
            "(orari: %(hours)s).",
            id=request.id,
            site=site.name,
            address=site.address,
            hours=site.opening_hours or "—",
        )
        worker = _(
            "La richiesta n. %(id)s del nucleo %(code)s è pronta per il ritiro presso %(site)s.",
            id=request.id,
            code=request.household.code,
            site=site.name,
        )
    _queue(_household_messages(request, actor, subject, household) + _worker_message(request, subject, worker))


def delivery_scheduled(
    request: GarmentRequest, actor: User | None, day: date, eta: datetime | None, handover_code: str
) -> None:
    with force_locale("it"):
        subject = _("FIT-MI: consegna programmata")
        when = fmt_datetime(eta) if eta else fmt_date(day)
        household = _(
            "FIT-MI: la consegna dei vestiti (richiesta n. %(id)s) è programmata per %(when)s. "
            "Codice di consegna: %(code)s. Lo comunichi all'autista; vale solo quel giorno.",
            id=request.id,
            when=when,
            code=handover_code,
        )
        worker = _(
            "La richiesta n. %(id)s del nucleo %(code)s sarà consegnata il %(day)s.",
            id=request.id,
            code=request.household.code,
            day=fmt_date(day),
        )
    _queue(_household_messages(request, actor, subject, household) + _worker_message(request, subject, worker))


def completed(request: GarmentRequest, status_text: str) -> None:
    with force_locale("it"):
        subject = _("FIT-MI: richiesta n. %(id)s %(status)s", id=request.id, status=status_text)
        body = _(
            "La richiesta n. %(id)s del nucleo %(code)s è stata %(status)s.",
            id=request.id,
            code=request.household.code,
            status=status_text,
        )
    _queue(_worker_message(request, subject, body))
