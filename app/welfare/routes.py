"""Pages of households and garment requests (thin views: check access, validate, one service, commit)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app.core.policy import Permission, permission_required
from app.extensions import db
from app.forms import choices
from app.stock.catalog import AGE_GROUPS, CATEGORIES, SEASONS
from app.views import form_status, form_values, save_form
from app.welfare import queries, services
from app.welfare.blueprint import bp
from app.welfare.catalog import AGE_BANDS, DELIVERY_STATUS_LABELS, FAILURE_REASONS, MATCH_LABELS, STATUS_LABELS
from app.welfare.forms import LINE_ROWS, ActionForm, HouseholdForm, MemberForm, RequestForm

LABELS = {
    "status_labels": STATUS_LABELS,
    "delivery_labels": DELIVERY_STATUS_LABELS,
    "failure_labels": FAILURE_REASONS,
    "categories": {k: v[0] for k, v in CATEGORIES.items()},
    "seasons": SEASONS,
    "genders": AGE_GROUPS,
    "age_bands": AGE_BANDS,
    "match_labels": MATCH_LABELS,
}


def _identity_data(form: HouseholdForm) -> services.IdentityData:
    return form_values(services.IdentityData, form, lon=float(form.lon.data or 0), lat=float(form.lat.data or 0))


@bp.route("/households")
@permission_required(Permission.MANAGE_HOUSEHOLDS)
def household_list() -> Any:
    text = request.args.get("q", "").strip()[:80]
    households = services.households_of(current_user, text)
    db.session.commit()  # the access log of households found by their referent's name or street
    return render_template("welfare/households.html", households=households, q=text, **LABELS)


@bp.route("/households/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_HOUSEHOLDS)
def household_new() -> Any:
    form = HouseholdForm()
    created: list[Any] = []

    def save() -> None:
        created.append(services.register_household(_identity_data(form), bool(form.consent.data), current_user))

    if form.validate_on_submit():
        done = save_form(form, save, _("Nucleo registrato."), "")
        if done is not None:
            return redirect(url_for("welfare.household_detail", household_id=created[0].id))
    return render_template("welfare/household_form.html", form=form, household=None), form_status(form)


@bp.route("/households/<int:household_id>")
@permission_required(Permission.MANAGE_HOUSEHOLDS)
def household_detail(household_id: int) -> Any:
    household = services.household_for(current_user, household_id)
    identity = services.read_identity(household, current_user, "view")
    db.session.commit()  # the access log entry
    return render_template(
        "welfare/household.html",
        household=household,
        identity=identity,
        member_form=MemberForm(),
        requests=queries.household_requests(household),
        **LABELS,
    )


@bp.route("/households/<int:household_id>/identity", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_HOUSEHOLDS)
def household_edit(household_id: int) -> Any:
    household = services.household_for(current_user, household_id)
    form = HouseholdForm()
    if not form.is_submitted():
        identity = services.read_identity(household, current_user, "edit")
        db.session.commit()
        form = HouseholdForm(obj=identity)
    done = save_form(
        form,
        lambda: services.update_identity(household, _identity_data(form), current_user),
        _("Dati aggiornati."),
        url_for("welfare.household_detail", household_id=household_id),
    )
    return done or (render_template("welfare/household_form.html", form=form, household=household), form_status(form))


@bp.route("/households/<int:household_id>/members", methods=["POST"])
@permission_required(Permission.MANAGE_HOUSEHOLDS)
def member_add(household_id: int) -> Any:
    household = services.household_for(current_user, household_id)
    form = MemberForm()

    def save() -> None:
        data = form_values(services.MemberData, form)
        services.add_member(household, data, current_user)

    target = url_for("welfare.household_detail", household_id=household_id)
    done = save_form(form, save, _("Componente aggiunto."), target)
    if done is None:
        for message in [*form.form_errors, *(m for errs in form.errors.values() for m in errs)]:
            flash(str(message), "danger")
        return redirect(target)
    return done


def _request_form(household: Any, draft: Any = None) -> RequestForm:
    """The request form of the household's members; a draft's lines and choices when it is first opened."""
    form = RequestForm(data=_draft_values(draft) if draft is not None else None)
    members = [(m.id, f"{m.label} ({m.clothing_size})") for m in household.members]
    for entry in form.lines:
        entry.form.member_id.choices = choices([(0, "—"), *members])
    form.pickup_site_id.choices = choices([(0, "—"), *((s.id, s.name) for s in queries.distribution_points())])
    return form


def _draft_values(draft: Any) -> dict[str, Any]:
    fields = ("member_id", "category", "season", "size", "quantity")
    lines = [{name: getattr(line, name) for name in fields} for line in draft.lines]
    names = ("urgent", "fulfilment", "window_start", "window_end", "availability", "pickup_site_id")
    return {"lines": lines, **{name: getattr(draft, name) for name in names}}


def _request_page(form: RequestForm, household: Any, draft: Any = None) -> Any:
    stock = queries.stock_for(household, current_user)
    page = render_template(
        "welfare/request_form.html", form=form, household=household, draft=draft, stock=stock, **LABELS
    )
    return page, form_status(form)


def _request_data(form: RequestForm) -> services.RequestData:
    lines = [
        services.LineData(
            member_id=entry.form.member_id.data or 0,
            category=entry.form.category.data or "",
            season=entry.form.season.data or "",
            quantity=entry.form.quantity.data if entry.form.quantity.data is not None else 0,
            size=entry.form.size.data or "",
            row=row,
        )
        for row, entry in enumerate(form.lines)
        if entry.form.category.data or entry.form.quantity.data is not None
    ]
    return services.RequestData(
        lines=lines,
        fulfilment=form.fulfilment.data or "",
        urgent=bool(form.urgent.data),
        window_start=form.window_start.data,
        window_end=form.window_end.data,
        availability=form.availability.data or "",
        pickup_site_id=form.pickup_site_id.data or None,
    )


@bp.route("/households/<int:household_id>/requests/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_HOUSEHOLDS)
def request_new(household_id: int) -> Any:
    household = services.household_for(current_user, household_id)
    form = _request_form(household)
    created: list[Any] = []
    if form.validate_on_submit():
        save = lambda: created.append(services.create_request(household, _request_data(form), current_user))  # noqa: E731
        if save_form(form, save, _("Richiesta salvata in bozza."), "") is not None:
            return redirect(url_for("welfare.request_detail", request_id=created[0].id))
    return _request_page(form, household)


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_HOUSEHOLDS)
def request_edit(request_id: int) -> Any:
    draft = queries.request_for(current_user, request_id)
    target = url_for("welfare.request_detail", request_id=request_id)
    if "edit" not in services.allowed_actions(draft, current_user):
        flash(_("Solo una bozza si modifica, da chi segue il nucleo."), "warning")
        return redirect(target)
    if len(draft.lines) > LINE_ROWS:  # made elsewhere (the demo): the form has LINE_ROWS rows
        flash(_("Questa bozza ha più di %(n)d righe: annullala e creane una nuova.", n=LINE_ROWS), "warning")
        return redirect(target)
    form = _request_form(draft.household, None if request.method == "POST" else draft)
    save = lambda: services.update_draft(draft, _request_data(form), current_user)  # noqa: E731
    done = save_form(form, save, _("Bozza aggiornata."), target)
    return done or _request_page(form, draft.household, draft)


@bp.route("/requests")
@permission_required(Permission.VIEW_REQUESTS)
def request_list() -> Any:
    return render_template("welfare/requests.html", requests=queries.requests_for(current_user), **LABELS)


@bp.route("/requests/<int:request_id>")
@permission_required(Permission.VIEW_REQUESTS)
def request_detail(request_id: int) -> Any:
    return _detail_page(queries.request_for(current_user, request_id), ActionForm())


def _detail_page(request: Any, action_form: ActionForm, reject_open: bool = False) -> str:
    return render_template(
        "welfare/request.html",
        request=request,
        action_form=action_form,
        reject_open=reject_open,
        deliveries=queries.deliveries_for(request),
        can_manage=services.covers(current_user, request.household),
        actions=services.allowed_actions(request, current_user),
        **LABELS,
    )


def allocation_message(result: services.AllocationResult) -> str:
    """What the match with the stock found, as it is: all the pieces, or how many are still missing."""
    total = result.allocated + result.missing
    if not result.missing:
        return ngettext(
            "%(num)d capo riservato: la richiesta è coperta.", "%(num)d capi riservati: la richiesta è coperta.", total
        )
    return ngettext(
        "Abbinamento parziale: riservati %(got)s su %(total)s, manca %(num)d capo.",
        "Abbinamento parziale: riservati %(got)s su %(total)s, mancano %(num)d capi.",
        result.missing,
        got=result.allocated,
        total=total,
    )


ACTIONS: dict[str, tuple[Any, Any]] = {
    "send": (services.send, _l("Richiesta inviata al coordinamento.")),
    "approve": (services.approve, _l("Richiesta approvata.")),
    "reject": (services.reject, _l("Richiesta respinta; il motivo è nella storia della richiesta.")),
    "allocate": (services.allocate, allocation_message),
    "ready": (services.mark_ready, _l("Richiesta pronta.")),
    "collected": (services.mark_collected, _l("Ritiro registrato.")),
    "cancel": (services.cancel, _l("Richiesta annullata; i capi riservati sono tornati disponibili.")),
}


NOTED = {"reject", "cancel"}  # actions whose note (the reason) is kept in the request's history


@bp.route("/requests/<int:request_id>/<action>", methods=["POST"])
@permission_required(Permission.VIEW_REQUESTS)
def request_action(request_id: int, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    request = queries.request_for(current_user, request_id)
    form = ActionForm()
    service, message = ACTIONS[action]
    noted = {"note": form.note.data or ""} if action in NOTED else {}
    done = save_form(
        form,
        lambda: service(request, current_user, **noted),
        message if callable(message) else str(message),
        url_for("welfare.request_detail", request_id=request_id),
    )
    if done is None and form.note.errors:  # the reason of a rejection: the page again, the field highlighted
        return _detail_page(request, form, reject_open=True), 422
    if done is None:
        for error in form.form_errors or [_("Modulo non valido.")]:
            flash(str(error), "danger")
        return redirect(url_for("welfare.request_detail", request_id=request_id)), 303
    return done


@bp.route("/picklist/<int:site_id>")
@permission_required(Permission.PREPARE_REQUESTS)
def pick_list(site_id: int) -> Any:
    site = queries.site_for(site_id)
    rows = services.pick_list(site, current_user)
    return render_template("welfare/picklist.html", site=site, rows=rows, **LABELS)


@bp.route("/points/<int:site_id>")
@permission_required(Permission.PREPARE_REQUESTS)
def point_pickups(site_id: int) -> Any:
    site = queries.site_for(site_id)
    return render_template(
        "welfare/point.html",
        site=site,
        requests=services.pickups_at(site, current_user),
        action_form=ActionForm(),
        **LABELS,
    )
