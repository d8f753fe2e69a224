"""The «Pianifica la settimana» form: start, horizon, plant, the fleet (the same every day) and days off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.clock import local_today
from app.forms import REQUIRED, choices
from app.rounds.forms import FleetForm, plan_form
from app.rounds.week import WeekParams


class WeekForm(FleetForm):
    start_date = DateField(_l("Primo giorno"), default=lambda: local_today() + timedelta(days=1), validators=[REQUIRED])
    days = IntegerField(_l("Giorni da pianificare (2–7)"), default=5, validators=[InputRequired()])
    plant_id = SelectField(_l("Impianto di selezione (scarico)"), coerce=int)
    off_days = SelectMultipleField(
        _l("Giorni senza giri (dal primo giorno: 1, 2, …)"),
        coerce=int,
        choices=choices((d, str(d + 1)) for d in range(7)),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        default=[],
    )
    time_limit_s = IntegerField(
        _l("Tempo di calcolo (secondi)"), default=60, validators=[InputRequired(), NumberRange(min=1, max=600)]
    )
    submit = SubmitField(_l("Pianifica la settimana"))

    def to_params(self, depot_ids: dict[int, int], user_id: int) -> WeekParams:
        """The week's choices: the chosen fleet every day but the days off."""
        vehicles, drivers = self.fleet()
        off = set(self.off_days.data or ())
        days = max(0, min(int(self.days.data or 0), 8))
        return WeekParams(
            start_date=self.start_date.data,
            site_ids=(self.plant_id.data, *sorted({depot_ids[v] for v in vehicles})),
            day_vehicles=tuple(() if d in off else vehicles for d in range(days)),
            drivers=drivers,
            time_limit_s=float(self.time_limit_s.data),
            created_by_id=user_id,
        )


def week_form(plants: list[Any], vehicles: list[Any], drivers: dict[int, list[Any]]) -> WeekForm:
    form: WeekForm = plan_form(plants, vehicles, drivers, WeekForm)
    return form
