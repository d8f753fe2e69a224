"""Forms of intake, sorting and outbound."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from app.collection.models import Pickup
from app.forms import NUMBER_REQUIRED, REQUIRED, CheckboxesField, FlaskForm, LocalDecimalField, choices
from app.i18n import fmt_datetime, fmt_number
from app.sorting.codes import DOCUMENT_LABELS, FRACTION_LABELS, PARTNER_LABELS
from app.sorting.models import IntakeSource

LEG_LINES = 4  # line rows a new leg form offers; "add a line" gives one more
MAX_LEG_LINES = 40
SOURCE_LABELS = {
    IntakeSource.ROUND: _l("Giro di raccolta"),
    IntakeSource.DROP_OFF: _l("Conferimento diretto"),
    IntakeSource.DRIVE: _l("Raccolta straordinaria"),
    IntakeSource.SYMBIOSIS: _l("Eccedenze di un'impresa (simbiosi)"),
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


class LineForm(Form):
    """One line of a leg: a lot and its kilos (a sub-form: the leg form carries the CSRF token)."""

    fraction_id = SelectField(_l("Lotto"), coerce=int, default=0, validate_choice=False)
    weight_kg = LocalDecimalField(_l("Peso (kg)"), decimals=1, validators=[Optional()])

    def is_blank(self) -> bool:
        return not self.fraction_id.data and not (self.weight_kg.raw_data and str(self.weight_kg.raw_data[0]).strip())


class LegForm(FlaskForm):
    site_id = SelectField(_l("Impianto di partenza"), coerce=int)
    shipped_at = DateTimeLocalField(_l("Uscita"), format="%Y-%m-%dT%H:%M", validators=[REQUIRED])
    document_kind = SelectField(_l("Documento"), choices=choices(DOCUMENT_LABELS.items()))
    document_number = StringField(_l("Numero del documento (FIR / DDT)"), validators=[Optional(), Length(max=60)])
    destination_id = SelectField(_l("Destinatario"), coerce=int, default=0, validate_choice=False)
    carrier_id = SelectField(_l("Trasportatore"), coerce=int, default=0, validate_choice=False)
    rd_operation = SelectField(_l("Operazione R/D"), validate_choice=False)
    eer_code = SelectField(_l("Codice EER"), validate_choice=False)
    notes = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])
    lines = FieldList(FormField(LineForm), min_entries=LEG_LINES, max_entries=MAX_LEG_LINES)
    add_line = SubmitField(_l("Aggiungi una riga"))
    submit = SubmitField(_l("Registra uscita"))

    def compact_lines(self) -> None:
        """Filled lines first, so that a service error on lines[n] lands on the row the user filled."""
        entries = self.lines.entries
        self.lines.entries = [e for e in entries if not e.form.is_blank()] + [e for e in entries if e.form.is_blank()]


class PartnerForm(FlaskForm):
    organisation_id = SelectField(_l("Organizzazione"), coerce=int, default=0)
    kind = SelectField(_l("Tipo"), choices=choices(PARTNER_LABELS.items()))
    name = StringField(_l("Ragione sociale"), validators=[REQUIRED, Length(max=160)])
    fiscal_code = StringField(_l("Partita IVA o codice fiscale"), validators=[Optional(), Length(max=20)])
    address = StringField(_l("Indirizzo"), validators=[Optional(), Length(max=200)])
    authorisation_number = StringField(
        _l("Numero di autorizzazione (impianti)"), validators=[Optional(), Length(max=60)]
    )
    authorisation_authority = StringField(_l("Autorità che l'ha rilasciata"), validators=[Optional(), Length(max=120)])
    operations = StringField(_l("Operazioni R/D autorizzate (es. R3 R13)"), validators=[Optional(), Length(max=80)])
    albo_number = StringField(
        _l("Iscrizione all'Albo Gestori Ambientali (trasportatori)"), validators=[Optional(), Length(max=30)]
    )
    submit = SubmitField(_l("Salva"))


def pickup_label(pickup: Pickup) -> str:
    """How a loose pickup is listed for intake: number, bin, time and kg."""
    kg = _("%(kg)s kg", kg=fmt_number(pickup.weight_kg)) if pickup.weight_kg is not None else _("senza peso")
    return f"#{pickup.id} · {pickup.bin.code} · {fmt_datetime(pickup.collected_at)} · {kg}"
