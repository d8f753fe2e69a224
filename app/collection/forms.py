"""The phone-first pickup form (also used for corrections)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.collection.models import IncidentCode
from app.core.clock import local_minute
from app.core.inputs import EARLIEST
from app.forms import CheckboxesField, FlaskForm, LocalDecimalField, choices

INCIDENT_LABELS = {
    IncidentCode.OVERFLOW: _l("Traboccante / sacchi a terra"),
    IncidentCode.DAMAGED: _l("Danneggiato"),
    IncidentCode.VANDALISED: _l("Vandalizzato"),
    IncidentCode.INACCESSIBLE: _l("Non raggiungibile"),
    IncidentCode.MISSING: _l("Mancante"),
    IncidentCode.CONTAMINATED: _l("Contaminato o bagnato"),
}


class PickupForm(FlaskForm):
    code = StringField(
        _l("Codice contenitore"),
        validators=[DataRequired(_l("Indica il codice del contenitore.")), Length(max=32)],
        render_kw={"autocapitalize": "characters", "autocomplete": "off"},
    )
    operator = HiddenField()
    weight_kg = LocalDecimalField(
        _l("Kg raccolti"), decimals=1, validators=[Optional()], render_kw={"inputmode": "decimal"}
    )
    fill_percent = IntegerField(
        _l("Riempimento stimato (%), se non c'è la bilancia"),
        validators=[Optional(), NumberRange(min=0, max=150, message=_l("Riempimento tra %(min)s e %(max)s%%."))],
        render_kw={"inputmode": "numeric"},
    )
    incidents = CheckboxesField(
        _l("Segnalazioni"), choices=choices([(k.value, v) for k, v in INCIDENT_LABELS.items()]), validate_choice=True
    )
    vehicle_id = SelectField(_l("Mezzo"), coerce=int, default=0, validators=[Optional()])
    notes = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    collected_at = DateTimeLocalField(
        _l("Data e ora"),
        format="%Y-%m-%dT%H:%M",
        default=local_minute,
        validators=[DataRequired(_l("Data non valida."))],
    )
    submit = SubmitField(_l("Registra svuotamento"))

    def validate_collected_at(self, field: DateTimeLocalField) -> None:
        # Checked here as well as in the service: a year-1 wall-clock time cannot even be converted to UTC.
        if field.data is not None and field.data < EARLIEST.replace(tzinfo=None):
            raise ValidationError(_("La data dello svuotamento non può essere prima del 2000."))
