"""Pages of the sorting plant: intake, sorting sessions with a live balance, a fraction's trace."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.collection import services as collection
from app.core.clock import from_local, local_minute
from app.core.exports import excel_csv
from app.core.inputs import int_arg
from app.core.policy import Permission, permission_required
from app.errors import NotFoundError
from app.extensions import db
from app.forms import choices
from app.i18n import fmt_number
from app.sorting import arrivals, ledger, outbound, queries, services
from app.sorting.forms import (
    FRACTION_LABELS,
    SOURCE_LABELS,
    ActionForm,
    CloseForm,
    FractionForm,
    IntakeForm,
    RoundIntakeForm,
    SessionForm,
    VehicleForm,
    WeighingForm,
    pickup_label,
)
from app.sorting.models import Fraction, IntakeBatch, SortingSession
from app.views import form_status, save_form

bp = Blueprint("sorting", __name__, url_prefix="/sorting")


def _labels() -> dict[str, Any]:
    return {"fraction_labels": FRACTION_LABELS, "source_labels": SOURCE_LABELS}


def _visible(model: type, object_id: int) -> Any:
    """An object of a site the user may act on, else 404/403."""
    obj = db.get_or_404(model, object_id)
    services.check_site_access(current_user, obj.site if hasattr(obj, "site") else obj.session.site)
    return obj


@bp.route("/")
@permission_required(Permission.WORK_PLANT)
def index() -> Any:
    batches, sessions = queries.batches(current_user, limit=50), queries.sessions(current_user, limit=30)
    waiting = len(arrivals.waiting(current_user)) + len(arrivals.other_loads(current_user))
    return render_template("sorting/index.html", batches=batches, sessions=sessions, waiting=waiting, **_labels())


def _weighing(form: WeighingForm, **values: Any) -> services.IntakeData:
    """The service input of an intake form: its weighbridge fields plus ``values``."""
    return services.IntakeData(
        received_at=from_local(form.received_at.data),
        gross_kg=form.gross_kg.data,
        tare_kg=form.tare_kg.data,
        eer_code=form.eer_code.data or "",
        difference_reason=form.difference_reason.data or "",
        notes=form.notes.data or "",
        **values,
    )


@bp.route("/intake/new", methods=["GET", "POST"])
@permission_required(Permission.WORK_PLANT)
def new_intake() -> Any:
    vehicles = collection.vehicles(current_user)
    vehicle_id = int_arg("vehicle")
    vehicle = next((v for v in vehicles if v.id == vehicle_id), None)
    chooser = VehicleForm(request.args, meta={"csrf": False})
    chooser.vehicle.choices = choices([(0, "—"), *((v.id, f"{v.plate} {v.label}".strip()) for v in vehicles)])
    form = IntakeForm()
    form.site_id.choices = choices((s.id, s.name) for s in queries.plants(current_user))
    loose = queries.loose_pickups(vehicle.id) if vehicle else []
    form.pickup_ids.choices = choices((p.id, pickup_label(p)) for p in loose)
    if not form.is_submitted():
        form.received_at.data = local_minute()

    def save() -> IntakeBatch:
        return services.record_intake(
            _weighing(
                form,
                site_id=form.site_id.data or 0,
                source=form.source.data or "",
                source_ref=form.source_ref.data or "",
                pickup_ids=tuple(form.pickup_ids.data or ()),
                vehicle_id=vehicle.id if vehicle else None,
            ),
            current_user,
        )

    done = save_form(form, save, _("Carico registrato."), url_for("sorting.index"))
    if done:
        return done  # rendering a page now would take the flash message meant for the next one
    page = render_template("sorting/intake_form.html", form=form, chooser=chooser, vehicle=vehicle)
    return page, form_status(form)


@bp.route("/arrivals")
@permission_required(Permission.WORK_PLANT)
def arrivals_page() -> Any:
    others = arrivals.other_loads(current_user)
    return render_template("sorting/arrivals.html", arrivals=arrivals.waiting(current_user), others=others)


@bp.route("/arrivals/<int:route_id>/end", methods=["GET", "POST"], defaults={"stop_id": None})
@bp.route("/arrivals/<int:route_id>/unloads/<int:stop_id>", methods=["GET", "POST"])
@permission_required(Permission.WORK_PLANT)
def round_intake(route_id: int, stop_id: int | None) -> Any:
    """Taking in one unload of a round: gross and tare, in one action."""
    arrival = arrivals.find(route_id, stop_id)
    if arrival.site is None:
        raise NotFoundError(_("Non si sa in quale impianto è stato scaricato questo giro."))
    services.check_site_access(current_user, arrival.site)
    form = RoundIntakeForm()
    if not form.is_submitted():
        form.received_at.data = local_minute()
    created: list[IntakeBatch] = []

    def save() -> None:
        data = _weighing(form, site_id=arrival.site.id, source="round", route_id=route_id, unload_stop_id=stop_id)  # type: ignore[union-attr]
        created.append(services.record_intake(data, current_user))

    if save_form(form, save, _("Scarico preso in carico."), url_for("sorting.arrivals_page")):
        return redirect(url_for("sorting.batch", batch_id=created[0].id))
    page = render_template(
        "sorting/round_intake.html", form=form, arrival=arrival, tolerance=services.pickup_tolerance_percent()
    )
    return page, form_status(form)


@bp.route("/intake/<int:batch_id>")
@permission_required(Permission.WORK_PLANT)
def batch(batch_id: int) -> Any:
    batch = _visible(IntakeBatch, batch_id)
    return render_template("sorting/batch.html", batch=batch, check=services.pickup_check(batch), **_labels())


@bp.route("/intake.csv")
@permission_required(Permission.WORK_PLANT)
def intake_csv() -> Any:
    header = [
        "Lotto",
        "Arrivo",
        "Impianto",
        "Provenienza",
        "Riferimento",
        "EER",
        "Lordo kg",
        "Tara kg",
        "Netto kg",
        "Giro",
    ]
    rows = (
        [b.lot_code, b.received_at, b.site.name, SOURCE_LABELS.get(b.source, b.source), b.source_ref, b.eer_code,
         b.gross_kg, b.tare_kg, b.net_kg, b.route_id or ""]
        for b in queries.batches(current_user, limit=100_000)
    )  # fmt: skip
    return excel_csv("carichi.csv", header, rows)


@bp.route("/sessions/new", methods=["GET", "POST"])
@permission_required(Permission.WORK_PLANT)
def new_session() -> Any:
    form = SessionForm()
    form.site_id.choices = choices((s.id, s.name) for s in queries.plants(current_user))
    form.batch_ids.choices = choices(
        (b.id, f"{b.lot_code} · {b.site.name} · {fmt_number(b.net_kg)} kg")
        for b in queries.batches(current_user, unsorted_only=True)
    )
    created: list[SortingSession] = []

    def save() -> None:
        created.append(services.open_session(form.site_id.data or 0, form.batch_ids.data or [], current_user))

    if save_form(form, save, _("Sessione di selezione aperta."), url_for("sorting.index")):
        return redirect(url_for("sorting.session", session_id=created[0].id))
    return render_template("sorting/session_form.html", form=form), form_status(form)


def _session_page(session: SortingSession, fraction_form: FractionForm, close_form: CloseForm) -> Any:
    status = form_status(fraction_form) if fraction_form.errors else form_status(close_form)
    return render_template(
        "sorting/session.html",
        session=session,
        balance=services.mass_balance(session),
        fraction_form=fraction_form,
        close_form=close_form,
        action_form=ActionForm(),
        **_labels(),
    ), status


@bp.route("/sessions/<int:session_id>")
@permission_required(Permission.WORK_PLANT)
def session(session_id: int) -> Any:
    return _session_page(_visible(SortingSession, session_id), FractionForm(), CloseForm())


@bp.route("/sessions/<int:session_id>/fractions", methods=["POST"])
@permission_required(Permission.WORK_PLANT)
def add_fraction(session_id: int) -> Any:
    session = _visible(SortingSession, session_id)
    form = FractionForm()
    here = url_for("sorting.session", session_id=session_id)

    def save() -> Fraction:
        return services.add_fraction(session_id, form.kind.data or "", form.weight_kg.data, current_user)

    return save_form(form, save, _("Frazione aggiunta."), here) or _session_page(session, form, CloseForm())


@bp.route("/sessions/<int:session_id>/fractions/<int:fraction_id>/delete", methods=["POST"])
@permission_required(Permission.WORK_PLANT)
def remove_fraction(session_id: int, fraction_id: int) -> Any:
    _visible(SortingSession, session_id)
    here = url_for("sorting.session", session_id=session_id)
    form = ActionForm()
    done = save_form(
        form, lambda: services.remove_fraction(session_id, fraction_id, current_user), _("Riga tolta."), here
    )
    return done or redirect(here)


@bp.route("/sessions/<int:session_id>/close", methods=["POST"])
@permission_required(Permission.WORK_PLANT)
def close_session(session_id: int) -> Any:
    session = _visible(SortingSession, session_id)
    form = CloseForm()
    here = url_for("sorting.session", session_id=session_id)

    def save() -> SortingSession:
        return services.close_session(session_id, current_user, form.loss_reason.data or "")

    done = save_form(form, save, _("Sessione chiusa: il bilancio di massa quadra."), here)
    if done:
        return done
    db.session.refresh(session)
    return _session_page(session, FractionForm(formdata=None), form)


@bp.route("/fractions/<int:fraction_id>")
@permission_required(Permission.WORK_PLANT)
def fraction(fraction_id: int) -> Any:
    fraction = _visible(Fraction, fraction_id)
    return render_template(
        "sorting/fraction.html",
        fraction=fraction,
        trace=outbound.trace(fraction),
        balance_kg=ledger.fraction_balance_kg(fraction.id),
        **_labels(),
    )
