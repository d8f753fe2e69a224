"""The KPI page's filter: a period (this year to date by default), operator, comune and stream."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from app.bins.models import Stream
from app.core.clock import local_today
from app.forms import choices

MAX_DAYS = 2 * 366  # two years side by side at most
STREAM_LABELS = {Stream.REUSE: _l("Riutilizzo"), Stream.MATERIAL_RECOVERY: _l("Recupero di materia")}


class KpiFilterForm(FlaskForm):
    """Read from the query string (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    start = DateField(_l("Dal"), validators=[Optional()])
    end = DateField(_l("Al"), validators=[Optional()])
    operator_id = SelectField(_l("Gestore"), coerce=int, default=0)
    comune_code = SelectField(_l("Comune"), default="")
    stream = SelectField(
        _l("Flusso"),
        default="",
        choices=choices([("", _l("Tutti")), *((k.value, v) for k, v in STREAM_LABELS.items())]),
    )

    def fill_period(self) -> None:
        """This year to date by default; an open end is today (or the start's year end, if the start is past)."""
        today = local_today()
        self.start.data = self.start.data or today.replace(month=1, day=1)
        if self.end.data is None:
            self.end.data = today if self.start.data <= today else self.start.data.replace(month=12, day=31)

    def validate_end(self, field: DateField) -> None:
        start, end = self.start.data, field.data
        for value in (start, end):
            if value is not None and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
                raise ValidationError(_l("Data fuori dall'intervallo consentito (2000-2100)."))
        if start and end and end < start:
            raise ValidationError(_l("La data finale precede quella iniziale."))
        if start and end and (end - start).days >= MAX_DAYS:
            raise ValidationError(_l("Il periodo può durare al massimo due anni."))
