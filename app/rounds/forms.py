"""Forms of round planning: a new plan, edits of a plan, publication, cancelling a job."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import REQUIRED, choices
from app.rounds.services import PlanParams


def _tomorrow() -> date:
    return date.today() + timedelta(days=1)


class PlanForm(FlaskForm):
    service_date = DateField(_l("Data del giro"), default=_tomorrow, validators=[REQUIRED])
    plant_id = SelectField(_l("Impianto di selezione (scarico e fine giro)"), coerce=int)
    vehicle_ids = SelectMultipleField(
        _l("Veicoli disponibili"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Scegli almeno un veicolo."))],
    )
    threshold_percent = IntegerField(
        _l("Soglia di riempimento (%)"),
        default=80,
        validators=[InputRequired(_l("Campo obbligatorio.")), NumberRange(min=10, max=150)],
    )
    time_limit_s = IntegerField(
        _l("Tempo di calcolo (secondi)"), default=30, validators=[InputRequired(), NumberRange(min=1, max=300)]
    )
    submit = SubmitField(_l("Calcola i giri"))

    def driver_fields(self) -> list[Any]:
        return [f for name, f in self._fields.items() if name.startswith("driver_")]

    def to_params(self, depot_ids: dict[int, int], user_id: int) -> PlanParams:
        """The planning choices; ``depot_ids`` maps vehicle id → its home site id."""
        vehicles = tuple(self.vehicle_ids.data or ())
        drivers = {v: getattr(self, f"driver_{v}").data for v in vehicles if getattr(self, f"driver_{v}", None)}
        return PlanParams(
            service_date=self.service_date.data,
            site_ids=(self.plant_id.data, *sorted({depot_ids[v] for v in vehicles})),
            vehicle_ids=vehicles,
            drivers={v: d for v, d in drivers.items() if d},
            threshold=self.threshold_percent.data / 100,
            time_limit_s=float(self.time_limit_s.data),
            created_by_id=user_id,
        )


def plan_form(plants: list[Any], vehicles: list[Any], drivers: dict[int, list[Any]]) -> PlanForm:
    """The new-plan form with one driver choice per vehicle (drivers of the vehicle's organisation)."""

    class _Form(PlanForm):
        pass

    for v in vehicles:
        options = [(0, _l("— nessuno —")), *((u.id, u.full_name) for u in drivers.get(v.organisation_id, []))]
        field = SelectField(v.plate, coerce=int, choices=choices(options), default=0, validators=[Optional()])
        setattr(_Form, f"driver_{v.id}", field)
    form = _Form()
    form.plant_id.choices = choices((s.id, s.name) for s in plants)
    form.vehicle_ids.choices = choices(
        (v.id, f"{v.plate} {v.label} · {v.capacity_kg} kg · {v.home_site.name}") for v in vehicles
    )
    return form


class EditForm(FlaskForm):
    """One edit of a plan: move a stop (to a route and position) or lock/unlock it."""

    version = HiddenField(validators=[REQUIRED])
    stop_id = IntegerField(_l("Fermata"), validators=[InputRequired()])
    action = RadioField(
        _l("Azione"),
        choices=choices([("move", _l("Sposta")), ("lock", _l("Blocca")), ("unlock", _l("Sblocca"))]),
        default="move",
    )
    to_route_id = IntegerField(_l("Al giro"), validators=[Optional()])
    position = IntegerField(_l("In posizione"), validators=[Optional(), NumberRange(min=1)])
    submit = SubmitField(_l("Applica"))


class PublishForm(FlaskForm):
    version = HiddenField(validators=[REQUIRED])
    submit = SubmitField(_l("Pubblica"))


class CancelForm(FlaskForm):
    submit = SubmitField(_l("Annulla il calcolo"))
