"""Forms of round planning: a new plan, edits of a plan, publication, cancelling a job."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypeVar

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from app.core.clock import local_today
from app.core.public_holidays import holiday_names
from app.forms import REQUIRED, FlaskForm, choices
from app.i18n import fmt_number, fmt_weekday_date
from app.rounds import bookings
from app.rounds.services import THRESHOLD_PERCENT_RANGE, TIME_LIMIT_RANGE_S, PlanParams


def tomorrow() -> date:
    """The default day of a plan."""
    return local_today() + timedelta(days=1)


class FleetForm(FlaskForm):
    """The vehicles of a plan, each with an optional driver (``driver_<vehicle id>`` fields, see :func:`with_fleet`)."""

    vehicles: dict[int, Any]  # vehicle id -> vehicle (its service days), set by :func:`with_fleet`

    vehicle_ids = SelectMultipleField(
        _l("Veicoli disponibili"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Scegli almeno un veicolo."))],
    )

    def driver_fields(self) -> list[Any]:
        return [f for name, f in self._fields.items() if name.startswith("driver_")]

    def fleet(self) -> tuple[tuple[int, ...], dict[int, int]]:
        """The chosen vehicle ids and, for those with one, their driver."""
        vehicles = tuple(self.vehicle_ids.data or ())
        drivers = {v: getattr(self, f"driver_{v}").data for v in vehicles if getattr(self, f"driver_{v}", None)}
        return vehicles, {v: d for v, d in drivers.items() if d}


F = TypeVar("F", bound=FleetForm)


def vehicle_label(v: Any) -> str:
    pieces = f" · {v.capacity_pieces} {_l('capi')}" if v.capacity_pieces else ""
    return f"{v.plate} {v.label} · {v.capacity_kg} kg · {fmt_number(v.capacity_m3)} m³{pieces} · {v.home_site.name}"


def with_fleet(form_class: type[F], vehicles: list[Any], drivers: dict[int, list[Any]]) -> F:
    """An instance of ``form_class`` with one driver choice per vehicle (drivers of the vehicle's organisation)."""

    class _Form(form_class):  # type: ignore[valid-type, misc]
        pass

    for v in vehicles:
        options = [(0, _l("— nessuno —")), *((u.id, u.full_name) for u in drivers.get(v.organisation_id, []))]
        field = SelectField(v.plate, coerce=int, choices=choices(options), default=0, validators=[Optional()])
        setattr(_Form, f"driver_{v.id}", field)
    form: F = _Form()
    form.vehicles = {v.id: v for v in vehicles}
    form.vehicle_ids.choices = choices((v.id, vehicle_label(v)) for v in vehicles)
    return form


class DayFleetForm(FleetForm):
    """The vehicles of a plan of one day (``service_date``): which of them go out that day, by their service days
    and the public holidays (:meth:`Vehicle.in_service <app.fleet.models.Vehicle.in_service>`)."""

    service_date: Any  # a DateField of the subclass
    #: Whether the form starts with the vehicles out that day ticked (:meth:`preselect`), and ticks them again
    #: when the day changes until the coordinator ticks one: the collection trucks, not the delivery vans (a
    #: coordinator picks the vans that carry garments among all vehicles).
    ticks_the_day = True

    def day(self) -> date | None:
        """The day of the plan, when the date given is a valid one."""
        return self.service_date.data if isinstance(self.service_date.data, date) else None

    def day_holidays(self) -> dict[date, str]:
        """The public holiday of the day of the plan, if it is one (``{day: name}``; looked up once per day)."""
        day = self.day()
        if day is None:
            return {}
        if getattr(self, "_holidays_of", None) != day:
            self._holidays_of, self._holidays = day, holiday_names(day, day)
        return self._holidays

    def day_name(self) -> str:
        """The day of the plan as the page names it: ``ven 25/12/2026 · Natale``."""
        day = self.day()
        if day is None:
            return ""
        holiday = self.day_holidays().get(day)
        return f"{fmt_weekday_date(day)} · {holiday}" if holiday else fmt_weekday_date(day)

    def serving(self, vehicle_id: int) -> bool:
        """Whether the vehicle goes out on the day of the plan (one of its service days, and not a public holiday
        unless it works them)."""
        day = self.day()
        return day is None or self.vehicles[vehicle_id].in_service(day, self.day_holidays())

    def preselect(self) -> None:
        """Tick the vehicles that go out on the day of the plan and are not on an open published round that day:
        the form's first state, before the coordinator's own choice (nothing when the form has no day yet, or
        does not tick by the day)."""
        day = self.day()
        if day is None or not self.ticks_the_day:
            return
        busy = {r.vehicle_id for r in bookings.open_routes(day, "vehicle_id", set(self.vehicles))}
        self.vehicle_ids.data = [v for v in self.vehicles if self.serving(v) and v not in busy]

    def off_duty(self) -> list[str]:
        """The plates of the chosen vehicles that do not go out on the day of the plan (taken as an extra shift)."""
        return [self.vehicles[v].plate for v in self.vehicle_ids.data or () if not self.serving(v)]

    def started(self, message: str) -> str:
        """``message`` (a plan started) followed by the chosen vehicles that were off duty that day, if any."""
        if extra := self.off_duty():
            message += " " + gettext(
                "Fuori dai giorni di servizio il %(day)s, usati comunque come turno straordinario: %(list)s.",
                day=self.day_name(),
                list=", ".join(extra),
            )
        return message

    def holidays(self) -> dict[str, str]:
        """The public holidays ahead for the page's script (:func:`holidays_ahead`)."""
        return holidays_ahead()


class PlanForm(DayFleetForm):
    service_date = DateField(_l("Data del giro"), default=tomorrow, validators=[REQUIRED])
    plant_id = SelectField(_l("Impianto di selezione (scarico e fine giro)"), coerce=int)
    threshold_percent = IntegerField(
        _l("Soglia di riempimento (%)"),
        default=80,
        validators=[InputRequired(_l("Campo obbligatorio.")), NumberRange(*THRESHOLD_PERCENT_RANGE)],
    )
    time_limit_s = IntegerField(
        _l("Tempo di calcolo (secondi)"), default=30, validators=[InputRequired(), NumberRange(*TIME_LIMIT_RANGE_S)]
    )
    submit = SubmitField(_l("Calcola i giri"))

    def to_params(self, depot_ids: dict[int, int], user_id: int) -> PlanParams:
        """The planning choices; ``depot_ids`` maps vehicle id → its home site id."""
        vehicles, drivers = self.fleet()
        return PlanParams(
            service_date=self.service_date.data,
            site_ids=(self.plant_id.data, *sorted({depot_ids[v] for v in vehicles})),
            vehicle_ids=vehicles,
            drivers=drivers,
            threshold=self.threshold_percent.data / 100,
            time_limit_s=float(self.time_limit_s.data),
            created_by_id=user_id,
        )


def plan_form(
    plants: list[Any], vehicles: list[Any], drivers: dict[int, list[Any]], form_class: type[Any] | None = None
) -> Any:
    """A planning form (a day by default, or ``form_class``) with its plants and one driver choice per vehicle."""
    form = with_fleet(form_class or PlanForm, vehicles, drivers)
    form.plant_id.choices = choices((s.id, s.name) for s in plants)
    return form


def holidays_ahead() -> dict[str, str]:
    """The public holidays of the next 400 days by ISO date, for a page's script to name the days of any date
    chosen."""
    today = local_today()
    return {d.isoformat(): name for d, name in holiday_names(today, today + timedelta(days=400)).items()}


def version_field() -> IntegerField:
    """The version of the plan the page showed (hidden): edits of a plan changed since are refused."""
    return IntegerField(
        widget=HiddenInput(), validators=[InputRequired(_l("Versione del piano mancante: ricarica la pagina."))]
    )


class EditForm(FlaskForm):
    """One edit of a plan: move a stop (to a route and position) or lock/unlock it."""

    version = version_field()
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
    """Publication asks for a ticked confirmation (the browser holds the form back without it, no JS needed)."""

    version = version_field()
    confirm = BooleanField(
        _l("Ho controllato i giri e gli avvisi: pubblica e rendi il piano visibile agli autisti"),
        validators=[DataRequired(_l("Spunta la conferma per pubblicare."))],
    )
    submit = SubmitField(_l("Pubblica"))


class DriverForm(FlaskForm):
    """The driver of one route of a draft."""

    version = version_field()
    route_id = IntegerField(validators=[InputRequired()])
    driver_id = IntegerField(_l("Autista"), validators=[Optional()])
    submit = SubmitField(_l("Assegna"))


class ReplanForm(FlaskForm):
    """Re-plan a published plan from now: a new version of it."""

    version = version_field()
    submit = SubmitField(_l("Ripianifica da adesso"))


class CancelForm(FlaskForm):
    submit = SubmitField(_l("Annulla il calcolo"))
