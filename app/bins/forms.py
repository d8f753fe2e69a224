"""Forms for bins: create/edit/move, status change, import upload and confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.bins.models import BinStatus, Stream
from app.forms import NUMBER_REQUIRED, REQUIRED, FlaskForm, choices, civic_field, location_fields

STREAM_LABELS = {Stream.REUSE: _l("Riuso"), Stream.MATERIAL_RECOVERY: _l("Recupero di materia")}
STATUS_LABELS = {
    BinStatus.ACTIVE: _l("Attivo"),
    BinStatus.DAMAGED: _l("Danneggiato"),
    BinStatus.INACCESSIBLE: _l("Temporaneamente inaccessibile"),
    BinStatus.REMOVED: _l("Rimosso"),
}
STREET_TYPES = ("Via", "Viale", "Piazza", "Piazzale", "Corso", "Largo", "Vicolo", "Strada", "Alzaia", "Ripa")


class BinForm(FlaskForm):
    code = StringField(_l("Codice stampato sul contenitore"), validators=[REQUIRED, Length(max=32)])
    operator_id = SelectField(_l("Operatore"), coerce=int)
    stream = SelectField(_l("Flusso"), choices=choices([(k.value, v) for k, v in STREAM_LABELS.items()]))
    eer_code = StringField(_l("Codice EER"), default="20 01 10", validators=[REQUIRED, Length(max=10)])
    street_type = SelectField(_l("Tipo di via"), choices=choices((t, t) for t in STREET_TYPES))
    street_name = StringField(_l("Nome della via"), validators=[REQUIRED, Length(max=120)])
    civic_number = civic_field(10)
    cap = StringField(_l("CAP"), validators=[REQUIRED, Length(max=5)])  # the service names the 20xxx rule
    lon, lat = location_fields()
    capacity_l = IntegerField(_l("Capacità (litri)"), default=2000, validators=[NUMBER_REQUIRED])
    full_weight_kg = IntegerField(_l("Peso a pieno (kg)"), default=250, validators=[NUMBER_REQUIRED])
    status = SelectField(_l("Stato"), choices=choices([(k.value, v) for k, v in STATUS_LABELS.items()]))
    status_reason = StringField(_l("Motivo del cambio di stato"), validators=[Optional(), Length(max=200)])
    access_notes = TextAreaField(_l("Note di accesso"), validators=[Optional(), Length(max=1000)])
    service_hours = StringField(_l("Orari di servizio (es. 06:00-20:00)"), validators=[Optional(), Length(max=60)])
    outside_area_override = BooleanField(_l("Accetta anche se fuori dall'area (solo amministratori)"))
    submit = SubmitField(_l("Salva"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Nuovo stato"), choices=choices([(k.value, v) for k, v in STATUS_LABELS.items()]))
    reason = StringField(_l("Motivo"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Cambia stato"))


class ImportForm(FlaskForm):
    file = FileField(_l("File CSV o GeoJSON"), validators=[FileRequired(_l("Scegli un file da importare."))])
    submit = SubmitField(_l("Mostra anteprima"))


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[REQUIRED])
    submit = SubmitField(_l("Conferma importazione"))
