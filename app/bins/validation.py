"""Checking a bin's values: every problem at once (field, Italian reason), for forms and imports alike."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import shapely
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.models import Organisation, OrganisationKind
from app.bins.models import DEFAULT_EER_CODE, BinStatus, Stream
from app.core.inputs import excerpt
from app.errors import OutsideAreaError, ValidationError
from app.extensions import db
from app.geo.models import Comune
from app.geo.services import comune_at
from app.i18n import fmt_number

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-_/.]{0,31}$")
_EER = re.compile(r"^\d{6}$")
_CAP = re.compile(r"^20\d{3}$")  # every CAP of the Città metropolitana di Milano starts with 20
_CIVIC = re.compile(r"^(\d{1,4}(\s?/?\s?([A-Z]|BIS|TER|QUATER))?|SNC)$", re.IGNORECASE)
_HOURS = re.compile(
    r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d(\s*,\s*([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d)*$"
)
CAPACITY_RANGE_L = (100, 10_000)
FULL_WEIGHT_RANGE_KG = (10, 2_000)
NOTES_MAX = 1000


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class BinData:
    """A bin's values as typed or imported, before they are checked."""

    code: str
    operator_id: int
    street_type: str
    street_name: str
    civic_number: str
    cap: str
    lon: float
    lat: float
    capacity_l: int
    full_weight_kg: int
    stream: str = Stream.REUSE
    eer_code: str = DEFAULT_EER_CODE
    status: str = BinStatus.ACTIVE
    access_notes: str = ""
    service_hours: str = ""
    outside_area_override: bool = False
    stated_comune: str = ""  # a comune named in an imported file: must match the one found from lon/lat


def normalise(data: BinData) -> BinData:
    """Trimmed text, upper-case code, EER digits only, civic number in one spelling."""
    civic = re.sub(r"\s+", " ", data.civic_number.strip()).upper().replace(" BIS", " bis")
    civic = civic.replace(" TER", " ter").replace(" QUATER", " quater")
    street_type = data.street_type.strip()
    return replace(
        data,
        code=data.code.strip().upper(),
        street_type=street_type[:1].upper() + street_type[1:],
        street_name=re.sub(r"\s+", " ", data.street_name.strip()),
        civic_number=civic,
        cap=data.cap.strip(),
        eer_code=re.sub(r"[\s.]", "", data.eer_code) or DEFAULT_EER_CODE,
        access_notes=data.access_notes.strip(),
        service_hours=re.sub(r"\s*-\s*", "-", data.service_hours.strip()),
        stated_comune=data.stated_comune.strip(),
    )


def _text_errors(data: BinData) -> list[FieldError]:
    checks = [
        (_CODE.match(data.code), "code", _("Codice non valido: lettere, cifre e - _ / . (massimo 32).")),
        (data.stream in {s.value for s in Stream}, "stream", _("Flusso non valido: riuso o recupero di materia.")),
        (_EER.match(data.eer_code), "eer_code", _("Codice EER non valido (6 cifre, es. 20 01 10).")),
        (0 < len(data.street_type) <= 20, "street_type", _("Indica il tipo di via (Via, Viale, Piazza…).")),
        (0 < len(data.street_name) <= 120, "street_name", _("Indica il nome della via (massimo 120 caratteri).")),
        (
            not data.civic_number or _CIVIC.match(data.civic_number),
            "civic_number",
            _("Numero civico non valido (es. 12, 12/A, 12 bis, SNC)."),
        ),
        (_CAP.match(data.cap), "cap", _("CAP non valido: 5 cifre della provincia di Milano (20xxx).")),
        (data.status in {s.value for s in BinStatus}, "status", _("Stato non valido.")),
        (len(data.access_notes) <= NOTES_MAX, "access_notes", _("Note troppo lunghe (massimo 1000 caratteri).")),
        (
            not data.service_hours or _HOURS.match(data.service_hours),
            "service_hours",
            _("Orari non validi (es. 06:00-20:00 oppure 06:00-12:00, 14:00-20:00)."),
        ),
    ]
    return [FieldError(field, message) for ok, field, message in checks if not ok]


def _number_errors(data: BinData) -> list[FieldError]:
    errors = []
    low, high = CAPACITY_RANGE_L
    if not low <= data.capacity_l <= high:
        errors.append(
            FieldError(
                "capacity_l",
                _(
                    "Capacità non plausibile (%(low)s–%(high)s litri).",
                    low=fmt_number(low, 0),
                    high=fmt_number(high, 0),
                ),
            )
        )
    low, high = FULL_WEIGHT_RANGE_KG
    if not low <= data.full_weight_kg <= high:
        errors.append(
            FieldError(
                "full_weight_kg",
                _(
                    "Peso a pieno non plausibile (%(low)s–%(high)s kg).",
                    low=fmt_number(low, 0),
                    high=fmt_number(high, 0),
                ),
            )
        )
    return errors


def _operator_errors(data: BinData) -> list[FieldError]:
    operator = db.session.get(Organisation, data.operator_id) if data.operator_id else None
    if operator is None or operator.kind != OrganisationKind.OPERATOR:
        return [FieldError("operator_id", _("Operatore inesistente o non abilitato alla raccolta."))]
    return []


def nearest_comune(lon: float, lat: float) -> Comune:
    """The comune closest to a point outside the area (used only when an admin overrides)."""
    point = shapely.Point(lon, lat)
    comuni = list(db.session.scalars(select(Comune)))
    return min(comuni, key=lambda c: shapely.from_wkb(c.boundary_wkb).distance(point))


def locate(data: BinData) -> tuple[Comune | None, list[FieldError]]:
    """The comune of the bin's point, or why it cannot be placed."""
    try:
        return comune_at(data.lon, data.lat), []
    except OutsideAreaError as error:
        if data.outside_area_override:
            return nearest_comune(data.lon, data.lat), []
        return None, [FieldError("lon", error.message)]
    except ValidationError as error:
        return None, [FieldError("lon", error.message)]


def find_comune(text: str) -> Comune | None:
    """A comune by name (any case) or six-digit ISTAT code."""
    text = text.strip()
    if re.fullmatch(r"\d{6}", text):
        return db.session.get(Comune, text)
    return db.session.scalar(select(Comune).where(func.lower(Comune.name) == text.lower()))


def _stated_comune_errors(data: BinData, comune: Comune | None) -> list[FieldError]:
    if not data.stated_comune:
        return []
    stated = find_comune(data.stated_comune)
    if stated is None:
        return [FieldError("comune", _("Comune sconosciuto: «%(name)s».", name=excerpt(data.stated_comune)))]
    if comune is not None and stated.istat_code != comune.istat_code:
        message = _(
            "Il comune indicato (%(stated)s) non corrisponde alla posizione, che è in %(found)s.",
            stated=stated.name,
            found=comune.name,
        )
        return [FieldError("comune", message)]
    return []


def check_bin(data: BinData) -> tuple[Comune | None, list[FieldError]]:
    """The bin's comune and every problem with its (normalised) values; no errors means it can be saved."""
    comune, where = locate(data)
    errors = [
        *_text_errors(data),
        *_number_errors(data),
        *_operator_errors(data),
        *where,
        *_stated_comune_errors(data, comune),
    ]
    return comune, errors
