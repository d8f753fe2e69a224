"""Forms of the marketplace: profile, listing, search, answers, fulfilment, moderation, intake."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, NumberRange, Optional

from app.forms import (
    NUMBER_REQUIRED,
    REQUIRED,
    FlaskForm,
    LocalDecimalField,
    cap_field,
    choices,
    civic_field,
    location_fields,
    street_field,
)
from app.symbiosis import catalog
from app.symbiosis.models import Fulfilment

NONE = ("", "—")


def _pairs(labels: dict[str, object]) -> list[tuple[str, object]]:
    return [(str(k), v) for k, v in labels.items()]


class ProfileForm(FlaskForm):
    ateco_code = StringField(_l("Codice ATECO"), validators=[REQUIRED, Length(max=8)])
    contact_name = StringField(_l("Persona di riferimento"), validators=[REQUIRED, Length(max=120)])
    contact_email = EmailField(_l("E-mail di contatto"), validators=[REQUIRED, Length(max=254)])
    contact_phone = StringField(_l("Telefono di contatto"), validators=[Optional(), Length(max=30)])
    offers_text = TextAreaField(_l("Cosa offriamo"), validators=[Optional(), Length(max=2000)])
    needs_text = TextAreaField(_l("Cosa cerchiamo"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Salva il profilo"))


class ListingForm(FlaskForm):
    side = SelectField(_l("Offro o cerco"), choices=choices(_pairs(catalog.SIDE_LABELS)))
    kind = SelectField(_l("Tipo"), choices=choices(_pairs(catalog.KIND_LABELS)))
    category = SelectField(
        _l("Categoria"),
        choices=choices(
            [(f"{k}", f"{v}") for k, v in catalog.CATEGORY_LABELS.items()]
            + [(f"{k}", f"{v}") for k, v in catalog.MACHINE_LABELS.items()]
        ),
    )
    title = StringField(_l("Titolo"), validators=[REQUIRED, Length(max=120)])
    description = TextAreaField(_l("Descrizione"), validators=[Optional(), Length(max=4000)])
    quantity = LocalDecimalField(_l("Quantità"), validators=[NUMBER_REQUIRED])
    unit = SelectField(_l("Unità"), choices=choices(_pairs(catalog.UNIT_LABELS)))
    weight_kg = LocalDecimalField(_l("Peso stimato (kg)"), decimals=1, validators=[Optional()])
    site_id = SelectField(_l("Sede"), coerce=int, default=0)
    available_from = DateField(_l("Disponibile dal"), validators=[Optional()])
    available_until = DateField(_l("Disponibile fino al"), validators=[Optional()])
    waste_status = SelectField(
        _l("Rifiuto o sottoprodotto"), choices=choices([NONE, *_pairs(catalog.WASTE_LABELS)]), default=""
    )
    eer_code = StringField(_l("Codice EER (se rifiuto)"), validators=[Optional(), Length(max=10)])
    brand_model = StringField(_l("Marca e modello"), validators=[Optional(), Length(max=120)])
    condition = SelectField(_l("Stato"), choices=choices([NONE, *_pairs(catalog.CONDITION_LABELS)]), default="")
    terms = SelectField(
        _l("Si dona, si presta o si vende"), choices=choices([NONE, *_pairs(catalog.TERMS_LABELS)]), default=""
    )
    photo = FileField(_l("Foto (facoltativa, JPEG, PNG o WebP, al massimo 5 MB)"))
    submit = SubmitField(_l("Pubblica"))


for _fibre, _label in catalog.FIBRE_LABELS.items():  # one «% cotton» box per fibre, named fibre_<code>
    setattr(
        ListingForm,
        f"fibre_{_fibre}",
        IntegerField(_label, validators=[Optional(), NumberRange(min=0, max=100)]),
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    side = SelectField(_l("Offerte o richieste"), choices=choices([NONE, *_pairs(catalog.SIDE_LABELS)]))
    kind = SelectField(_l("Tipo"), choices=choices([NONE, *_pairs(catalog.KIND_LABELS)]))
    text = StringField(_l("Cerca"), validators=[Optional(), Length(max=60)])


class AnswerForm(FlaskForm):
    accept = HiddenField()


class ArrangeForm(FlaskForm):
    fulfilment = SelectField(
        _l("Come si ritira"),
        choices=choices(
            [(Fulfilment.PICKUP, _l("Con il giro di raccolta")), (Fulfilment.SELF, _l("Ritiro in proprio"))]
        ),
    )
    pickup_date = DateField(_l("Giorno del ritiro"), validators=[Optional()])
    window_start = TimeField(_l("Dalle"), validators=[Optional()])
    window_end = TimeField(_l("Alle"), validators=[Optional()])
    required = BooleanField(_l("Ritiro obbligatorio quel giorno (altrimenti facoltativo)"))
    submit = SubmitField(_l("Conferma il ritiro"))


class CompleteForm(FlaskForm):
    quantity = LocalDecimalField(_l("Quantità ritirata"), validators=[Optional()])
    moved_kg = LocalDecimalField(_l("Kg ritirati"), decimals=1, validators=[Optional()])
    submit = SubmitField(_l("Registra il ritiro"))


class HideForm(FlaskForm):
    reason = StringField(_l("Motivo"), validators=[REQUIRED, Length(max=200)])
    submit = SubmitField(_l("Nascondi l'annuncio"))


class IntakeForm(FlaskForm):
    site_id = SelectField(_l("Impianto"), coerce=int)
    gross_kg = LocalDecimalField(_l("Peso lordo (kg)"), decimals=1, validators=[NUMBER_REQUIRED])
    tare_kg = LocalDecimalField(_l("Tara (kg)"), decimals=1, validators=[NUMBER_REQUIRED])
    submit = SubmitField(_l("Prendi in carico in impianto"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Conferma"))


class CompanySiteForm(FlaskForm):
    """Premises of the user's own organisation (where its surplus is picked up)."""

    name = StringField(_l("Nome della sede"), validators=[REQUIRED, Length(max=120)])
    street = street_field()
    civic_number = civic_field()
    cap = cap_field()
    lon, lat = location_fields()
    opening_hours = StringField(_l("Orari di apertura"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Aggiungi la sede"))
