"""Forms of the register pages: annotate the new movements, correct an entry."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import FlaskForm, LocalDecimalField


class AnnotateForm(FlaskForm):
    """Only the CSRF token: the service decides what is new."""


class CorrectionForm(FlaskForm):
    weight_kg = LocalDecimalField(_l("Quantità corretta (kg)"), decimals=1, validators=[DataRequired()])
    fir_number = StringField(_l("Numero FIR"), validators=[Length(max=60)])
    reason = TextAreaField(_l("Motivo della rettifica"), validators=[DataRequired(), Length(max=500)])
