"""Form fields shared by every domain."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import flask_wtf
from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import DateField, FieldList, FormField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.validators import ValidationError as WTFormsValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.inputs import INT_MAX, INT_MIN, LARGEST_DECIMAL
from app.i18n import fmt_number, parse_number

#: WTForms' own messages that its Italian catalogue lacks or marks fuzzy (WTForms 3.2: they would show in English),
#: given in ours; a plural takes the same text as its singular.
WTFORMS_GAPS = {
    "'%(value)s' is not a valid choice for this field.": _l("Scelta non valida per questo campo: '%(value)s'."),
    "Not a valid time value.": _l("Non è un orario valido."),
    "Not a valid week value.": _l("Non è una settimana valida."),
    "This field cannot be edited.": _l("Questo campo non si può modificare."),
    "This field is disabled and cannot have a value.": _l("Questo campo è disattivato e non può avere un valore."),
    "Field must be exactly %(max)d character long.": _l("Il campo deve essere lungo esattamente %(max)d caratteri."),
}


class WTFormsTexts:
    """The translations WTForms' fields and validators use: Flask-WTF's (WTForms' catalogue in the request's
    locale), but :data:`WTFORMS_GAPS` from ours."""

    def gettext(self, string: str) -> str:
        own = WTFORMS_GAPS.get(string)
        return str(own) if own is not None else str(wtforms_translations.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        own = WTFORMS_GAPS.get(singular)
        return str(own) if own is not None else str(wtforms_translations.ngettext(singular, plural, n))


WTFORMS_TEXTS = WTFormsTexts()


class FlaskForm(flask_wtf.FlaskForm):
    """Every form of the app: Flask-WTF's, with WTForms' messages completed in Italian (:class:`WTFormsTexts`),
    and every whole number a field reads (an ``IntegerField``, a select coerced to ``int``, in rows too) within
    what a database integer holds: ids, positions, quantities; a larger one would make PostgreSQL fail the query."""

    class Meta(flask_wtf.FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            own = super().get_translations(form)
            return WTFORMS_TEXTS if own is wtforms_translations else own

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        for field in _leaf_fields(self):
            values = field.data if isinstance(field.data, list) else [field.data]
            if any(type(v) is int and not INT_MIN <= v <= INT_MAX for v in values):
                field.errors = [*field.errors, str(_l("Numero fuori dall'intervallo ammesso."))]
                valid = False
        return valid


def _leaf_fields(form: Any) -> Iterator[Any]:
    """The fields of ``form``, those of its sub-forms and lists of rows included."""
    for field in form:
        entries = field.entries if isinstance(field, FieldList) else [field]
        for entry in entries:
            if isinstance(entry, FormField):
                yield from _leaf_fields(entry.form)
            else:
                yield entry


REQUIRED = DataRequired(_l("Campo obbligatorio."))
# InputRequired keeps the parse error of a number field (DataRequired would replace it).
NUMBER_REQUIRED = InputRequired(_l("Campo obbligatorio."))


class LocalDecimalField(StringField):
    """A number typed the Italian way (``1.234,5``) or with a decimal point."""

    def __init__(self, *args: Any, decimals: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decimals = decimals

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else fmt_number(self.data, self.decimals)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_number(str(valuelist[0]))
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Numero non valido (es. 1.234,5).")) from error
        if not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Numero non valido (es. 1.234,5)."))
        if abs(self.data) >= LARGEST_DECIMAL:
            self.data = None
            raise ValueError(_l("Numero troppo grande."))

    @property
    def decimal(self) -> Decimal | None:
        return self.data


class CheckboxesField(SelectMultipleField):
    """A choice of several as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (wtforms 3.3 wants SelectChoice objects)."""
    return [SelectChoice(value, label) for value, label in pairs]


# The address and position of a place (a site, a bin, a household), typed the same way on every form.
# Functions, not a mixin class, so that each form keeps its fields in its own order on the page.
def street_field() -> StringField:
    return StringField(_l("Indirizzo (via e nome)"), validators=[REQUIRED, Length(max=160)])


def civic_field(max_length: int = 16) -> StringField:
    return StringField(_l("Numero civico"), validators=[Optional(), Length(max=max_length)])


def cap_field() -> StringField:
    return StringField(_l("CAP"), validators=[REQUIRED, Length(min=5, max=5, message=_l("Il CAP deve avere 5 cifre."))])


def location_fields() -> tuple[LocalDecimalField, LocalDecimalField]:
    """Longitude and latitude, six decimals, typed the Italian way or with a point."""
    return (
        LocalDecimalField(_l("Longitudine"), decimals=6, validators=[NUMBER_REQUIRED]),
        LocalDecimalField(_l("Latitudine"), decimals=6, validators=[NUMBER_REQUIRED]),
    )


class PeriodFilterForm(FlaskForm):
    """A period read from the query string (GET, no CSRF: it changes nothing): from, to, at most
    ``max_days`` long, both between 2000 and 2100. Pages add their filters and ``fill_period``."""

    class Meta:
        csrf = False

    max_days = 366
    too_long = _l("Il periodo può durare al massimo un anno.")

    start = DateField(_l("Dal"), validators=[Optional()])
    end = DateField(_l("Al"), validators=[Optional()])

    def validate_end(self, field: DateField) -> None:
        start, end = self.start.data, field.data
        for value in (start, end):
            if value is not None and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
                raise WTFormsValidationError(_l("Data fuori dall'intervallo consentito (2000-2100)."))
        if start and end and end < start:
            raise WTFormsValidationError(_l("La data finale precede quella iniziale."))
        if start and end and (end - start).days >= self.max_days:
            raise WTFormsValidationError(self.too_long)
