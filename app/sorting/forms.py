"""Forms of intake, sorting and outbound."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.collection.forms import CheckboxesField
from app.collection.models import Pickup
from app.forms import NUMBER_REQUIRED, REQUIRED, LocalDecimalField, choices
from app.i18n import fmt_datetime, fmt_number
from app.sorting.models import FractionKind, IntakeSource
from app.sorting.outbound import DESTINATION_KINDS

SOURCE_LABELS = {
    IntakeSource.ROUND: _l("Giro di raccolta"),
    IntakeSource.DROP_OFF: _l("Conferimento diretto"),
    IntakeSource.DRIVE: _l("Raccolta straordinaria"),
    IntakeSource.SYMBIOSIS: _l("Eccedenze di un'impresa (simbiosi)"),
}
FRACTION_LABELS = {
    FractionKind.REUSE_A: _l("Riuso grado A (negozi dell'usato)"),
    FractionKind.REUSE_B: _l("Riuso grado B (redistribuzione alle famiglie)"),
    FractionKind.REUSE_EXPORT: _l("Riuso export"),
    FractionKind.RECYCLE_COTTON: _l("Riciclo cotone"),
    FractionKind.RECYCLE_WOOL: _l("Riciclo lana"),
    FractionKind.RECYCLE_SYNTHETIC: _l("Riciclo sintetico"),
    FractionKind.RECYCLE_MIXED: _l("Riciclo misto"),
    FractionKind.SHOES_ACCESSORIES: _l("Scarpe e accessori"),
    FractionKind.CONTAMINANTS: _l("Impurità non tessili"),
    FractionKind.DISPOSAL: _l("Scarto da smaltire"),
}


class WeighingForm(FlaskForm):
    """The weighbridge fields of every intake: arrival, gross and tare, EER code, reason of a difference."""

    received_at = DateTimeLocalField(_l("Arrivo"), format="%Y-%m-%dT%H:%M", validators=[REQUIRED])
    gross_kg = LocalDecimalField(_l("Peso lordo (kg)"), decimals=1, validators=[NUMBER_REQUIRED])
    tare_kg = LocalDecimalField(_l("Tara (kg)"), decimals=1, validators=[NUMBER_REQUIRED])
    eer_code = StringField(_l("Codice EER"), default="20 01 10", validators=[REQUIRED, Length(max=10)])
    difference_reason = StringField(
        _l("Motivo della differenza con gli svuotamenti (se oltre la tolleranza)"),
        validators=[Optional(), Length(max=300)],
    )
    notes = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])


class RoundIntakeForm(WeighingForm):
    """Taking in one unload of a round: one action, the weighbridge weights."""

    submit = SubmitField(_l("Prendi in carico"))


class IntakeForm(WeighingForm):
    """An intake not from a planned round; a vehicle's loose pickups are ticked, never typed."""

    site_id = SelectField(_l("Impianto"), coerce=int)
    source = SelectField(_l("Provenienza"), choices=choices(SOURCE_LABELS.items()))
    source_ref = StringField(_l("Riferimento (giro, raccolta, conferente)"), validators=[Optional(), Length(max=120)])
    pickup_ids = CheckboxesField(_l("Svuotamenti trasportati dal mezzo"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Registra carico"))


class VehicleForm(FlaskForm):
    """The vehicle whose loose pickups the intake form lists (a GET form: works without JavaScript)."""

    class Meta:
        csrf = False

    vehicle = SelectField(_l("Mezzo"), coerce=int, default=0)
    show = SubmitField(_l("Mostra gli svuotamenti del mezzo"))


class SessionForm(FlaskForm):
    site_id = SelectField(_l("Impianto"), coerce=int)
    batch_ids = SelectMultipleField(_l("Carichi da selezionare"), coerce=int, validators=[REQUIRED])
    submit = SubmitField(_l("Apri sessione"))


class FractionForm(FlaskForm):
    kind = SelectField(_l("Frazione"), choices=choices(FRACTION_LABELS.items()))
    weight_kg = LocalDecimalField(_l("Peso (kg)"), decimals=1, validators=[NUMBER_REQUIRED])
    submit = SubmitField(_l("Aggiungi frazione"))


class CloseForm(FlaskForm):
    loss_reason = StringField(_l("Causa della perdita"), default="umidità e polvere", validators=[Length(max=120)])
    submit = SubmitField(_l("Chiudi sessione"))


class ActionForm(FlaskForm):
    """A bare form for buttons that post (CSRF only)."""

    submit = SubmitField(_l("Conferma"))


class OutboundForm(FlaskForm):
    fraction_id = SelectField(_l("Lotto"), coerce=int)
    weight_kg = LocalDecimalField(_l("Peso (kg)"), decimals=1, validators=[NUMBER_REQUIRED])
    destination_kind = SelectField(_l("Tipo di destinatario"), choices=choices(DESTINATION_KINDS.items()))
    destination_name = StringField(_l("Destinatario"), validators=[REQUIRED, Length(max=160)])
    eer_code = StringField(_l("Codice EER (vuoto: quello del lotto)"), validators=[Optional(), Length(max=10)])
    document_ref = StringField(_l("Documento (FIR / DDT)"), validators=[Optional(), Length(max=60)])
    shipped_at = DateTimeLocalField(_l("Uscita"), format="%Y-%m-%dT%H:%M", validators=[REQUIRED])
    submit = SubmitField(_l("Registra uscita"))


def pickup_label(pickup: Pickup) -> str:
    """How a loose pickup is listed for intake: number, bin, time and kg."""
    kg = _("%(kg)s kg", kg=fmt_number(pickup.weight_kg)) if pickup.weight_kg is not None else _("senza peso")
    return f"#{pickup.id} · {pickup.bin.code} · {fmt_datetime(pickup.collected_at)} · {kg}"
