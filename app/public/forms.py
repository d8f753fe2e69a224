"""The citizen's report form: what is wrong, an optional photo; nothing about who sends it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SubmitField

from app.collection.citizen_reports import KIND_LABELS
from app.forms import REQUIRED, FlaskForm, choices


class ReportForm(FlaskForm):
    kind = RadioField(
        _l("Che cosa succede?"), choices=choices([(k.value, v) for k, v in KIND_LABELS.items()]), validators=[REQUIRED]
    )
    photo = FileField(_l("Foto (facoltativa)"))
    submit = SubmitField(_l("Invia la segnalazione"))
