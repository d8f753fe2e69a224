"""The chain pages' filter: a period and where the clothes came from or went through."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.validators import ValidationError

from app.core.clock import local_today
from app.core.inputs import whole_number
from app.forms import PeriodFilterForm


def month_bounds(today: date) -> tuple[date, date]:
    """The calendar month of ``today``: its first and last day."""
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class ChainFilterForm(PeriodFilterForm):
    """The chain pages' filter: a period (a year at most), operator, plant, comune, one bin."""

    operator_id = SelectField(_l("Gestore"), coerce=int, default=0)
    plant_id = SelectField(_l("Impianto"), coerce=int, default=0)
    comune_code = SelectField(_l("Comune"), default="")
    bin_id = HiddenField()

    def fill_period(self) -> None:
        """Month of today by default; from the first of a month, to its last day; else 31 days."""
        self.start.data = self.start.data or month_bounds(local_today())[0]
        if self.end.data is None:
            start = self.start.data
            self.end.data = month_bounds(start)[1] if start.day == 1 else start + timedelta(days=30)

    def validate_bin_id(self, field: HiddenField) -> None:
        text = (field.data or "").strip()
        if text and not whole_number(text):
            raise ValidationError(_l("Contenitore non valido."))

    @property
    def bin_number(self) -> int | None:
        text = (self.bin_id.data or "").strip()
        return whole_number(text)
