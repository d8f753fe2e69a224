"""A bin's audit trail as lines a person reads: field names and values in words, organisations by name."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth.models import Organisation
from app.bins.forms import STATUS_LABELS, STREAM_LABELS
from app.extensions import db
from app.geo.models import Comune

FIELD_LABELS = {
    "code": _l("codice"),
    "operator_id": _l("gestore"),
    "stream": _l("flusso"),
    "eer_code": _l("codice EER"),
    "street_type": _l("tipo di via"),
    "street_name": _l("via"),
    "civic_number": _l("civico"),
    "cap": _l("CAP"),
    "comune_code": _l("comune"),
    "lon": _l("longitudine"),
    "lat": _l("latitudine"),
    "capacity_l": _l("capacità (litri)"),
    "full_weight_kg": _l("peso da pieno (kg)"),
    "status": _l("stato"),
    "access_notes": _l("note di accesso"),
    "service_hours": _l("orari di servizio"),
    "outside_area_override": _l("fuori dall'area confermato"),
}


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("sì") if value else _("no")
    if field == "operator_id":
        organisation = db.session.get(Organisation, value)
        return organisation.name if organisation else str(value)
    if field == "comune_code":
        comune = db.session.get(Comune, value)
        return comune.name if comune else str(value)
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "stream":
        return str(STREAM_LABELS.get(value, value))
    return str(value)


def describe(changes: dict[str, Any]) -> str:
    """``{"operator_id": [None, 1]}`` → «gestore: — → Vesti Solidale»."""
    parts = []
    for field, change in changes.items():
        label = str(FIELD_LABELS.get(field, field))
        if isinstance(change, list) and len(change) == 2:
            parts.append(f"{label}: {_value(field, change[0])} → {_value(field, change[1])}")
        else:
            parts.append(f"{label}: {_value(field, change)}")
    return "; ".join(parts)
