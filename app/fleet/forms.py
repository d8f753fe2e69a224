"""Forms for sites and vehicles."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TimeField
from wtforms.validators import Length, NumberRange, Optional

from app.fleet.models import SiteKind
from app.forms import (
    NUMBER_REQUIRED,
    REQUIRED,
    CheckboxesField,
    FlaskForm,
    LocalDecimalField,
    cap_field,
    choices,
    civic_field,
    location_fields,
    street_field,
)
from app.i18n import weekday_names

SITE_KIND_LABELS = {
    SiteKind.DEPOT: _l("Deposito"),
    SiteKind.SORTING_PLANT: _l("Impianto di selezione"),
    SiteKind.WAREHOUSE: _l("Magazzino"),
    SiteKind.DISTRIBUTION_POINT: _l("Punto di distribuzione"),
    SiteKind.COMPANY: _l("Sede di un'impresa (simbiosi)"),
}


class SiteForm(FlaskForm):
    name = StringField(_l("Nome"), validators=[REQUIRED, Length(max=120)])
    kind = SelectField(_l("Tipo"), choices=choices([(k.value, label) for k, label in SITE_KIND_LABELS.items()]))
    organisation_id = SelectField(_l("Organizzazione"), coerce=int, validators=[Optional()])
    street = street_field()
    civic_number = civic_field()
    cap = cap_field()
    lon, lat = location_fields()
    opening_hours = StringField(_l("Orari di apertura"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Attiva"), default=True)
    submit = SubmitField(_l("Salva"))


class VehicleForm(FlaskForm):
    plate = StringField(_l("Targa"), validators=[REQUIRED, Length(max=10)])
    label = StringField(_l("Descrizione"), validators=[Optional(), Length(max=80)])
    organisation_id = SelectField(_l("Organizzazione"), coerce=int)
    home_site_id = SelectField(_l("Deposito di partenza"), coerce=int)
    capacity_kg = IntegerField(
        _l("Portata (kg)"),
        validators=[REQUIRED, NumberRange(min=1, max=44000, message=_l("Valore non plausibile."))],
    )
    capacity_m3 = LocalDecimalField(_l("Volume (m³)"), validators=[NUMBER_REQUIRED])
    capacity_pieces = IntegerField(
        _l("Capienza in capi (consegne)"),
        validators=[Optional()],
        description=_l("Capi che il furgone porta in un viaggio di consegna; vuoto = nessun limite."),
    )
    shift_start = TimeField(_l("Inizio turno"), validators=[REQUIRED])
    shift_end = TimeField(_l("Fine turno"), validators=[REQUIRED])
    service_weekdays = CheckboxesField(
        _l("Giorni di servizio"),
        coerce=int,
        default=[0, 1, 2, 3, 4],
        description=_l("I giorni in cui esce: «Pianifica la settimana» lo usa solo in questi giorni."),
    )
    works_holidays = BooleanField(_l("Esce anche nei giorni festivi"))
    cost_per_km_eur = LocalDecimalField(_l("Costo per km (€)"), decimals=3, validators=[NUMBER_REQUIRED])
    cost_per_hour_eur = LocalDecimalField(_l("Costo orario (€)"), validators=[NUMBER_REQUIRED])
    fixed_cost_eur = LocalDecimalField(
        _l("Costo fisso giornaliero (€)"),
        validators=[Optional()],
        description=_l("Mezzo ed equipaggio per ogni giorno in cui esce, qualunque sia il percorso; vuoto = 0."),
    )
    ztl_allowed = BooleanField(_l("Autorizzato nelle ZTL (Area C / Area B)"))
    active = BooleanField(_l("Attivo"), default=True)
    submit = SubmitField(_l("Salva"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service_weekdays.choices = choices(enumerate(weekday_names("wide")))
