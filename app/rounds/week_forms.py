"""The «Pianifica la settimana» form: start, horizon, plant, the fleet, each day's vehicles and days off."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app.core.public_holidays import holiday_names
from app.forms import REQUIRED, CheckboxesField, choices
from app.rounds.forms import FleetForm, plan_form, tomorrow
from app.rounds.week import MAX_DAYS, MAX_DAYS_AFTER, MIN_DAYS, WeekParams


class WeekForm(FleetForm):
    start_date = DateField(_l("Primo giorno"), default=tomorrow, validators=[REQUIRED])
    days = IntegerField(_l("Giorni da pianificare (2–7)"), default=5, validators=[InputRequired()])
    plant_id = SelectField(_l("Impianto di selezione (scarico)"), coerce=int)
    off_days = CheckboxesField(
        _l("Giorni senza giri (dal primo giorno: 1, 2, …)"),
        coerce=int,
        choices=choices((d, str(d + 1)) for d in range(7)),
        default=[],
    )
    day_fleet = CheckboxesField(_l("Veicoli per giorno"), coerce=str, default=[])
    days_after = IntegerField(
        _l("Prossimo giro dopo l'ultimo giorno (giorni)"),
        description=_l(
            "I contenitori non devono traboccare fino ad allora. Vuoto: per ogni operatore, il primo giorno di "
            "servizio dei suoi mezzi dopo l'ultimo (3 se l'ultimo è un venerdì e i mezzi escono dal lunedì al "
            "venerdì). Un numero vale per tutti."
        ),
        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS_AFTER)],
    )
    time_limit_s = IntegerField(
        _l("Tempo di calcolo (secondi)"), default=60, validators=[InputRequired(), NumberRange(min=1, max=600)]
    )
    submit = SubmitField(_l("Pianifica la settimana"))

    def validate_day_fleet(self, field: Any) -> None:
        chosen = set(self.vehicle_ids.data or ())
        if any(v not in chosen for _d, v in self.grid()):
            raise ValidationError(_l("Un veicolo scelto per un giorno deve essere anche tra i veicoli disponibili."))
        horizon = self.horizon()
        if horizon is not None and (beyond := sorted({d for d, _v in self.grid() if d >= horizon})):
            raise ValidationError(
                ngettext(
                    "Hai spuntato veicoli per il giorno %(list)s, oltre i %(days)s giorni da pianificare.",
                    "Hai spuntato veicoli per i giorni %(list)s, oltre i %(days)s giorni da pianificare.",
                    len(beyond),
                    list=_days(beyond),
                    days=horizon,
                )
            )
        if clash := sorted({d for d, _v in self.grid()} & set(self.off_days.data or ())):
            raise ValidationError(
                ngettext(
                    "Il giorno %(list)s è senza giri ma ha veicoli spuntati: togli l'una o l'altra scelta.",
                    "I giorni %(list)s sono senza giri ma hanno veicoli spuntati: togli l'una o l'altra scelta.",
                    len(clash),
                    list=_days(clash),
                )
            )

    def validate_off_days(self, field: Any) -> None:
        horizon = self.horizon()
        if horizon is not None and (beyond := sorted(d for d in field.data or () if d >= horizon)):
            raise ValidationError(
                ngettext(
                    "Il giorno senza giri %(list)s è oltre i %(days)s giorni da pianificare.",
                    "I giorni senza giri %(list)s sono oltre i %(days)s giorni da pianificare.",
                    len(beyond),
                    list=_days(beyond),
                    days=horizon,
                )
            )

    def horizon(self) -> int | None:
        """The number of days to plan when it is a valid one (its own error is given elsewhere otherwise)."""
        days = self.days.data
        return days if isinstance(days, int) and MIN_DAYS <= days <= MAX_DAYS else None

    def grid(self) -> list[tuple[int, int]]:
        """The ticks of the per-day grid as ``(day index, vehicle id)``; a value the grid does not offer is left
        out (the field's own check refuses it)."""
        offered = {str(choice.value) for choice in self.day_fleet.choices or ()}
        ticked = (value.split(":") for value in self.day_fleet.data or () if value in offered)
        return [(int(d), int(v)) for d, v in ticked]

    def day_cells(self) -> list[tuple[str, tuple[int, bool], list[tuple[Any, bool]]]]:
        """The grid's rows for the page: a vehicle's plate, its service days (weekday mask, whether it works public
        holidays), and for each day its checkbox and whether the vehicle goes out that day."""
        rows: dict[int, list[Any]] = {}
        for option in self.day_fleet:
            rows.setdefault(int(option.data.split(":")[1]), []).append(option)
        days = self.day_dates()
        feasts = holiday_names(days[0], days[-1])
        out = []
        for v, cells in rows.items():
            vehicle = self.vehicles[v]
            serving = [vehicle.in_service(day, feasts) for day in days]
            calendar = (vehicle.service_days, vehicle.works_holidays)
            out.append((vehicle.plate, calendar, list(zip(cells, serving, strict=False))))
        return out

    def day_dates(self) -> list[date]:
        """The dates of the seven days the page offers, from the first day chosen (tomorrow before a choice)."""
        first = self.start_date.data if isinstance(self.start_date.data, date) else tomorrow()
        return [first + timedelta(days=d) for d in range(MAX_DAYS)]

    def day_labels(self) -> list[str]:
        """Each offered day as the page names it beside its number: ``mar 08/12``."""
        return [str(format_date(d, "EEE dd/MM")) for d in self.day_dates()]

    def day_holidays(self) -> list[str]:
        """The public holiday of each offered day, "" for none."""
        days = self.day_dates()
        names = holiday_names(days[0], days[-1])
        return [names.get(d, "") for d in days]

    def to_params(self, depot_ids: dict[int, int], user_id: int) -> WeekParams:
        """The week's choices: each day the vehicles ticked for it in the grid (the whole fleet every day when
        the grid is left empty), none on the days off."""
        vehicles, drivers = self.fleet()
        off = set(self.off_days.data or ())
        days = max(0, min(int(self.days.data or 0), 8))
        grid = self.grid()

        def day(d: int) -> tuple[int, ...]:
            if d in off:
                return ()
            return tuple(v for v in vehicles if (d, v) in grid) if grid else vehicles

        return WeekParams(
            start_date=self.start_date.data,
            site_ids=(self.plant_id.data, *sorted({depot_ids[v] for v in vehicles})),
            day_vehicles=tuple(day(d) for d in range(days)),
            drivers=drivers,
            days_after=self.days_after.data,
            time_limit_s=float(self.time_limit_s.data),
            created_by_id=user_id,
        )


def _days(indices: list[int]) -> str:
    """Day indices as the page numbers them (from 1): ``[5, 6]`` → ``"6, 7"``."""
    return ", ".join(str(d + 1) for d in indices)


def week_form(plants: list[Any], vehicles: list[Any], drivers: dict[int, list[Any]]) -> WeekForm:
    form: WeekForm = plan_form(plants, vehicles, drivers, WeekForm)
    form.day_fleet.choices = choices(
        (f"{d}:{v.id}", _l("%(plate)s · giorno %(day)s", plate=v.plate, day=d + 1))
        for v in vehicles
        for d in range(MAX_DAYS)
    )
    return form
