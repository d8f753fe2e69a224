"""Pages of what leaves a plant: the outbound register (legs with several lines), a leg, its CSV, and partners."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import from_local, local_minute
from app.core.exports import excel_csv
from app.core.policy import Permission, can, permission_required
from app.extensions import db
from app.forms import choices
from app.i18n import fmt_number
from app.sorting import codes, outbound, partners, queries, services
from app.sorting.forms import ActionForm, LegForm, PartnerForm
from app.sorting.models import OutboundLeg, OutboundPartner, PartnerKind
from app.views import form_status, form_values, save_form

bp = Blueprint("outbound", __name__, url_prefix="/sorting")
DESTINATION_KINDS = tuple(k for k in PartnerKind if k != PartnerKind.CARRIER)


def _labels() -> dict[str, Any]:
    return {
        "fraction_labels": codes.FRACTION_LABELS,
        "partner_labels": codes.PARTNER_LABELS,
        "document_labels": codes.DOCUMENT_LABELS,
        "spaced_eer": codes.spaced_eer,
    }


def _partner_choices(kinds: tuple[str, ...]) -> list[Any]:
    found = queries.partners(current_user, kinds=kinds, active_only=True)
    return choices([(0, "—"), *((p.id, f"{p.name} · {codes.PARTNER_LABELS[p.kind]}") for p in found)])


def _leg_choices(form: LegForm) -> None:
    form.site_id.choices = choices((s.id, s.name) for s in queries.plants(current_user))
    form.destination_id.choices = _partner_choices(DESTINATION_KINDS)
    form.carrier_id.choices = _partner_choices((PartnerKind.CARRIER,))
    operations = (*codes.RECOVERY_OPERATIONS, *codes.DISPOSAL_OPERATIONS)
    form.rd_operation.choices = choices([("", "—"), *((op, op) for op in operations)])
    form.eer_code.choices = choices([("", _("nessuno (merce con DDT)")), *codes.EER_LABELS.items()])
    lots = choices(
        [(0, "—")]
        + [
            (f.id, f"{f.lot_code} · {codes.fraction_label(f.kind)} · {fmt_number(kg)} kg")
            for f, kg in queries.fractions_with_kg_left(current_user)
        ]
    )
    for entry in form.lines:
        entry.fraction_id.choices = lots


def _leg_data(form: LegForm) -> outbound.LegData:
    lines = tuple(
        outbound.LineData(e.fraction_id.data or 0, e.weight_kg.data) for e in form.lines if not e.form.is_blank()
    )
    return outbound.LegData(
        site_id=form.site_id.data or 0,
        shipped_at=from_local(form.shipped_at.data),
        destination_id=form.destination_id.data or 0,
        carrier_id=form.carrier_id.data or None,
        document_kind=form.document_kind.data or "",
        document_number=form.document_number.data or "",
        rd_operation=form.rd_operation.data or "",
        eer_code=form.eer_code.data or "",
        notes=form.notes.data or "",
        lines=lines,
    )


@bp.route("/outbound", methods=["GET", "POST"])
@permission_required(Permission.WORK_PLANT)
def register() -> Any:
    form = LegForm()
    if form.is_submitted() and form.add_line.data:
        form.lines.append_entry()  # one more row, nothing saved yet
    _leg_choices(form)
    if not form.is_submitted():
        form.shipped_at.data = local_minute()
    created: list[OutboundLeg] = []
    if not form.add_line.data:
        form.compact_lines()
        save = lambda: created.append(outbound.record_leg(_leg_data(form), current_user))  # noqa: E731
        if save_form(form, save, _("Uscita registrata."), url_for("outbound.register")):
            return redirect(url_for("outbound.leg", leg_id=created[0].id))
    page = render_template("sorting/outbound.html", form=form, legs=queries.legs(current_user, limit=200), **_labels())
    return page, form_status(form)


@bp.route("/outbound/<int:leg_id>")
@permission_required(Permission.WORK_PLANT)
def leg(leg_id: int) -> Any:
    leg = db.get_or_404(OutboundLeg, leg_id)
    services.check_site_access(current_user, leg.site)
    return render_template("sorting/outbound_leg.html", leg=leg, **_labels())


CSV_HEADER = [
    "Uscita", "Data", "Impianto", "Documento", "Numero documento", "EER", "Operazione R/D",
    "Destinatario", "Tipo destinatario", "P.IVA / CF destinatario", "Indirizzo destinatario",
    "Autorizzazione", "Autorità", "Operazioni autorizzate", "Trasportatore", "P.IVA / CF trasportatore",
    "Albo trasportatore", "Riga", "Lotto", "Sessione", "Frazione", "Peso kg", "Note",
]  # fmt: skip


def _csv_rows(legs: Any) -> Any:
    for leg in legs:
        to, by = leg.destination, leg.carrier
        for line in leg.lines:
            yield [
                leg.id, leg.shipped_at, leg.site.name, leg.document_kind.upper(), leg.document_number, leg.eer_code,
                leg.rd_operation, to.name, codes.PARTNER_LABELS.get(to.kind, to.kind), to.fiscal_code, to.address,
                to.authorisation_number, to.authorisation_authority, to.operations, by.name if by else "",
                by.fiscal_code if by else "", by.albo_number if by else "", line.id, line.fraction.lot_code,
                f"SS-{line.fraction.session_id:06d}", codes.fraction_label(line.fraction.kind), line.weight_kg,
                leg.notes,
            ]  # fmt: skip


@bp.route("/outbound.csv")
@permission_required(Permission.WORK_PLANT)
def register_csv() -> Any:
    return excel_csv("registro_uscite.csv", CSV_HEADER, _csv_rows(queries.legs(current_user, limit=100_000)))


@bp.route("/partners")
@permission_required(Permission.WORK_PLANT)
def partner_list() -> Any:
    found = queries.partners(current_user)
    return render_template("sorting/partners.html", partners=found, action_form=ActionForm(), **_labels())


def _partner_form(partner: OutboundPartner | None) -> PartnerForm:
    form = PartnerForm(obj=partner)
    if can(current_user, Permission.SEE_ALL_OPERATORS):
        form.organisation_id.choices = choices([(0, "—"), *((o.id, o.name) for o in queries.organisations())])
    else:
        del form.organisation_id  # operators register their own organisation's partners
    return form


def _edit_partner(partner: OutboundPartner | None) -> Any:
    form = _partner_form(partner)

    def save() -> OutboundPartner:
        owner = form.organisation_id.data if "organisation_id" in form else None
        data = form_values(partners.PartnerData, form, organisation_id=owner or None)
        return partners.save_partner(data, current_user, partner.id if partner else None)

    done = save_form(form, save, _("Partner salvato."), url_for("outbound.partner_list"))
    return done or (render_template("sorting/partner_form.html", form=form, partner=partner), form_status(form))


@bp.route("/partners/new", methods=["GET", "POST"])
@permission_required(Permission.WORK_PLANT)
def new_partner() -> Any:
    return _edit_partner(None)


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.WORK_PLANT)
def edit_partner(partner_id: int) -> Any:
    return _edit_partner(partners.partner_for(current_user, partner_id))


@bp.route("/partners/<int:partner_id>/<any(activate, deactivate):action>", methods=["POST"])
@permission_required(Permission.WORK_PLANT)
def toggle_partner(partner_id: int, action: str) -> Any:
    here = url_for("outbound.partner_list")
    message = _("Partner riattivato.") if action == "activate" else _("Partner disattivato.")
    done = save_form(
        ActionForm(), lambda: partners.set_partner_active(partner_id, action == "activate", current_user), message, here
    )
    return done or redirect(here)
