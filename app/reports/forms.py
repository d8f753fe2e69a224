"""The KPI page's filter: a period (this year to date by default), operator, comune and stream."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.bins.models import Stream
from app.core.clock import local_today
from app.forms import PeriodFilterForm, choices

MAX_DAYS = 2 * 366  # two years side by side at most
STREAM_LABELS = {Stream.REUSE: _l("Riutilizzo"), Stream.MATERIAL_RECOVERY: _l("Recupero di materia")}


class KpiFilterForm(PeriodFilterForm):
    """The KPI page's filter: a period (two years at most), operator, comune, stream."""

    max_days = MAX_DAYS
    too_long = _l("Il periodo può durare al massimo due anni.")

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
