"""Forms of households, members, requests and deliveries."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from app.forms import (
    REQUIRED,
    FlaskForm,
    cap_field,
    choices,
    civic_field,
    location_fields,
    street_field,
)
from app.rounds.forms import DayFleetForm, tomorrow
from app.rounds.services import TIME_LIMIT_RANGE_S
from app.stock.catalog import CATEGORIES, SEASONS
from app.stock.sizes import SYSTEM_LABELS
from app.welfare.catalog import AGE_BANDS, GENDERS
from app.welfare.households import CLOTHING_SYSTEMS
from app.welfare.models import Fulfilment

LINE_ROWS = 6


class HouseholdForm(FlaskForm):
    name = StringField(_l("Nome e cognome del referente"), validators=[REQUIRED, Length(max=120)])
    phone = StringField(_l("Telefono (per gli SMS)"), validators=[Optional(), Length(max=30)])
    email = StringField(
        _l("E-mail"), validators=[Optional(), Email(_l("Indirizzo e-mail non valido.")), Length(max=254)]
    )
    street = street_field()
    civic = civic_field()
    cap = cap_field()
    lon, lat = location_fields()
    notes = TextAreaField(_l("Note per la consegna"), validators=[Optional(), Length(max=500)])
    consent = BooleanField(_l("Il nucleo ha dato il consenso al trattamento dei dati"))
    submit = SubmitField(_l("Salva"))


class MemberForm(FlaskForm):
    label = StringField(_l("Etichetta (es. «Figlio 1», mai il nome)"), validators=[REQUIRED, Length(max=40)])
    age_band = SelectField(_l("Fascia d'età"), choices=choices(AGE_BANDS.items()))
    gender = SelectField(_l("Genere"), choices=choices(GENDERS.items()))
    clothing_size_system = SelectField(
        _l("Sistema di taglie"), choices=choices((s.value, SYSTEM_LABELS[s]) for s in CLOTHING_SYSTEMS)
    )
    clothing_size = StringField(_l("Taglia abiti"), validators=[REQUIRED, Length(max=10)])
    shoe_size = StringField(_l("Numero di scarpe (EU)"), validators=[Optional(), Length(max=10)])
    submit = SubmitField(_l("Aggiungi componente"))


class LineForm(FlaskForm):
    class Meta:
        csrf = False

    member_id = SelectField(_l("Componente"), coerce=int, default=0, validate_choice=False)
    category = SelectField(
        _l("Capo"), choices=choices([("", "—"), *((k, v[0]) for k, v in CATEGORIES.items())]), validate_choice=False
    )
    season = SelectField(_l("Stagione"), choices=choices(SEASONS.items()), validate_choice=False)
    size = StringField(_l("Taglia (vuota: quella del componente)"), validators=[Optional(), Length(max=10)])
    quantity = IntegerField(_l("Pezzi"), validators=[Optional()])


class RequestForm(FlaskForm):
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)
    urgent = BooleanField(_l("Urgente"))
    fulfilment = SelectField(
        _l("Consegna"),
        choices=choices(
            [(Fulfilment.DELIVERY.value, _l("A domicilio")), (Fulfilment.PICKUP.value, _l("Ritiro al punto"))]
        ),
    )
    window_start = TimeField(_l("Disponibile dalle"), validators=[Optional()])
    window_end = TimeField(_l("Disponibile fino alle"), validators=[Optional()])
    availability = StringField(_l("Giorni di disponibilità"), validators=[Optional(), Length(max=200)])
    pickup_site_id = SelectField(_l("Punto di distribuzione"), coerce=int, default=0, validate_choice=False)
    submit = SubmitField(_l("Salva bozza"))


class ActionForm(FlaskForm):
    """A button that changes a request (only the CSRF token)."""

    note = StringField(_l("Nota"), validators=[Optional(), Length(max=200)])


class PlanDeliveriesForm(DayFleetForm):
    ticks_the_day = False
    service_date = DateField(_l("Giorno di consegna"), default=tomorrow, validators=[REQUIRED])
    warehouse_id = SelectField(_l("Magazzino di partenza"), coerce=int)
    time_limit_s = IntegerField(
        _l("Tempo di calcolo (secondi)"), default=10, validators=[InputRequired(), NumberRange(*TIME_LIMIT_RANGE_S)]
    )
    submit = SubmitField(_l("Pianifica"))
