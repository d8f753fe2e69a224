"""Forms of the stock pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.inputs import whole_number
from app.errors import ValidationError
from app.forms import FlaskForm, choices
from app.stock.catalog import AGE_GROUPS, CATEGORIES, DESTINATIONS, GRADES, SEASONS
from app.stock.sizes import SYSTEM_LABELS

REQUIRED = DataRequired(_l("Campo obbligatorio."))
PIECES = [InputRequired(_l("Campo obbligatorio.")), NumberRange(min=1, message=_l("Almeno un pezzo."))]
MOVE_KINDS = {
    "out": _l("Uscita (famiglia, negozio, riciclatore)"),
    "transfer": _l("Trasferimento ad altra ubicazione"),
    "adjust": _l("Rettifica"),
}


class ItemFields(FlaskForm):
    category = SelectField(_l("Categoria"), choices=choices((k, v[0]) for k, v in CATEGORIES.items()))
    age_group = SelectField(_l("Genere/età"), choices=choices(AGE_GROUPS.items()))
    size_system = SelectField(_l("Sistema di taglie"), choices=choices(SYSTEM_LABELS.items()))
    size = StringField(_l("Taglia"), validators=[REQUIRED, Length(max=10)])
    season = SelectField(_l("Stagione"), choices=choices(SEASONS.items()))
    grade = SelectField(_l("Condizione"), choices=choices(GRADES.items()), default="B")


class ReceiveForm(ItemFields):
    quantity = IntegerField(_l("Pezzi"), validators=PIECES)
    location_id = SelectField(_l("Ubicazione"), coerce=int)
    submit = SubmitField(_l("Carica a magazzino"))


class MoveForm(FlaskForm):
    kind = SelectField(_l("Movimento"), choices=choices(MOVE_KINDS.items()))
    location_id = SelectField(_l("Da ubicazione"), coerce=int)
    quantity = IntegerField(
        _l("Pezzi (per la rettifica: + o −)"), validators=[InputRequired(_l("Campo obbligatorio."))]
    )
    target_location_id = SelectField(_l("Ubicazione di destinazione"), coerce=int, validators=[Optional()])
    destination_kind = SelectField(_l("Destinazione"), choices=choices(DESTINATIONS.items()))
    counterparty = StringField(_l("Consegnato a (codice famiglia, negozio…)"), validators=[Optional(), Length(max=160)])
    reason = StringField(_l("Motivazione"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Registra movimento"))


class LocationForm(FlaskForm):
    site_id = SelectField(_l("Sede"), coerce=int)
    code = StringField(_l("Codice scaffale/zona"), validators=[REQUIRED, Length(max=20)])
    description = StringField(_l("Descrizione"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Crea ubicazione"))


class CountForm(FlaskForm):
    reason = StringField(
        _l("Motivazione dell'inventario"), default="inventario", validators=[REQUIRED, Length(max=200)]
    )
    submit = SubmitField(_l("Registra inventario"))


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    category = SelectField(_l("Categoria"), choices=choices([("", "—"), *((k, v[0]) for k, v in CATEGORIES.items())]))
    age_group = SelectField(_l("Genere/età"), choices=choices([("", "—"), *AGE_GROUPS.items()]))
    size = StringField(_l("Taglia"), validators=[Optional(), Length(max=10)])
    season = SelectField(_l("Stagione"), choices=choices([("", "—"), *SEASONS.items()]))


def counted_pieces(formdata: dict[str, str], item_ids: list[int]) -> dict[int, int]:
    """The ``count-<item id>`` fields of the count page; blank means not counted."""
    counted = {}
    for item_id in item_ids:
        text = (formdata.get(f"count-{item_id}") or "").strip()
        if not text:
            continue
        count = whole_number(text)
        if count is None:
            raise ValidationError(_("Le quantità contate devono essere numeri interi non negativi."), field="counts")
        counted[item_id] = count
    return counted
