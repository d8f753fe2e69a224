"""Labels of the welfare domain: age bands, genders, statuses, failure reasons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.stock.catalog import AGE_GROUPS
from app.welfare.models import DeliveryStatus, RequestStatus

AGE_BANDS = {
    "0-2": _l("0–2 anni"),
    "3-5": _l("3–5 anni"),
    "6-10": _l("6–10 anni"),
    "11-14": _l("11–14 anni"),
    "15-17": _l("15–17 anni"),
    "18-64": _l("18–64 anni"),
    "65+": _l("65 anni e oltre"),
}
# A person's gender, among the stock's groups: «unisex» is a garment's, and a baby is told by the age band
# (a member of 0–2 anni asks for the «neonato» group; see app.welfare.requests.line_group).
GENDERS = {key: AGE_GROUPS[key] for key in ("donna", "uomo", "bambina", "bambino")}

STATUS_LABELS = {
    RequestStatus.DRAFT: _l("bozza"),
    RequestStatus.SENT: _l("inviata"),
    RequestStatus.APPROVED: _l("approvata"),
    RequestStatus.PREPARING: _l("in preparazione"),
    RequestStatus.READY: _l("pronta"),
    RequestStatus.DELIVERED: _l("consegnata"),
    RequestStatus.COLLECTED: _l("ritirata"),
    RequestStatus.CANCELLED: _l("annullata"),
    RequestStatus.REJECTED: _l("respinta"),
}

DELIVERY_STATUS_LABELS = {
    DeliveryStatus.TO_PLAN: _l("da pianificare"),
    DeliveryStatus.SCHEDULED: _l("programmata"),
    DeliveryStatus.DELIVERED: _l("consegnata"),
    DeliveryStatus.FAILED: _l("non riuscita"),
    DeliveryStatus.CANCELLED: _l("annullata"),
}

FAILURE_REASONS = {
    "not_home": _l("Nessuno in casa"),
    "wrong_address": _l("Indirizzo errato"),
    "refused": _l("Consegna rifiutata"),
}

# How an allocation fits its line: the size asked, a size next to it, or a substitute category.
MATCH_LABELS = {
    "exact": _l("esatta"),
    "adjacent": _l("taglia vicina"),
    "substitute": _l("capo sostitutivo"),
}

PROOF_KINDS = {
    "code": _l("Codice di consegna"),
    "signature": _l("Firma"),
    "photo": _l("Foto"),
}


# Why the household cannot give the handover code: only then may a signature drawn on the phone replace it.
NO_CODE_REASONS = {
    "no_phone": _l("Il nucleo non ha un telefono"),
    "code_not_received": _l("Il codice non è arrivato al nucleo"),
}
SIGNATURE_RULE = _l(
    "La firma sullo schermo sostituisce il codice di consegna solo se il nucleo non ha un telefono "
    "o il codice non gli è arrivato, e tu lo dichiari scegliendo il motivo."
)


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))  # type: ignore[call-overload]
