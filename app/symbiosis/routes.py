"""Marketplace pages: listings and search, a listing, matches with consent and fulfilment, profile, moderation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.forms import KIND_LABELS
from app.auth.models import COMPANY_KINDS
from app.core.policy import Permission, can, permission_required
from app.extensions import db
from app.forms import choices
from app.sorting import queries as sorting_queries
from app.sorting import services as sorting_services
from app.symbiosis import catalog, fulfilment, queries, services
from app.symbiosis.forms import (
    AnswerForm,
    ArrangeForm,
    CompanySiteForm,
    CompleteForm,
    ConfirmForm,
    HideForm,
    IntakeForm,
    ListingForm,
    ProfileForm,
    SearchForm,
)
from app.symbiosis.models import Listing, ListingPhoto
from app.views import form_status, form_values, save_form

bp = Blueprint("symbiosis", __name__, url_prefix="/simbiosi")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"symbiosis_catalog": catalog, "organisation_kind_labels": KIND_LABELS}


@bp.route("/")
@permission_required(Permission.USE_SYMBIOSIS)
def index() -> Any:
    form = SearchForm(request.args)
    criteria = queries.Search(side=form.side.data or "", kind=form.kind.data or "", text=form.text.data or "")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), queries.MAX_PAGE)
    listings = queries.search(criteria, current_user, page)
    filters = {k: v for k, v in (("side", criteria.side), ("kind", criteria.kind), ("text", criteria.text)) if v}
    full = len(listings) == queries.PAGE_SIZE and page < queries.MAX_PAGE
    return render_template(
        "symbiosis/index.html",
        form=form,
        listings=listings,
        next_page=url_for(".index", page=page + 1, **filters) if full else None,
        matches=queries.matches_for(current_user),
        notices=queries.unread_notices(current_user),
        profile=queries.profile_of(current_user.organisation_id),
        participant=current_user.organisation.kind in COMPANY_KINDS,
        waiting=fulfilment.waiting_intake() if can(current_user, Permission.WORK_PLANT) else [],
    )


@bp.route("/profilo", methods=["GET", "POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def profile() -> Any:
    current = queries.profile_of(current_user.organisation_id)
    form = ProfileForm(obj=current)
    done = save_form(
        form,
        lambda: services.save_profile(form_values(services.ProfileData, form), current_user),
        _("Profilo salvato."),
        url_for("symbiosis.index"),
    )
    return done or (render_template("symbiosis/profile.html", form=form, profile=current), form_status(form))


@bp.route("/sedi", methods=["GET", "POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def sites() -> Any:
    form = CompanySiteForm()

    def save() -> Any:
        data = form_values(services.CompanySite, form, lon=float(form.lon.data or 0), lat=float(form.lat.data or 0))
        return services.add_site(data, current_user)

    done = save_form(form, save, _("Sede aggiunta."), url_for("symbiosis.sites"))
    page = render_template("symbiosis/sites.html", form=form, sites=queries.own_sites(current_user.organisation))
    return done or (page, form_status(form))


def _listing_data(form: ListingForm) -> services.ListingData:
    fibres = {str(f): getattr(form, f"fibre_{f}").data or 0 for f in catalog.Fibre}
    photo = request.files.get("photo")
    return form_values(
        services.ListingData,
        form,
        quantity=form.quantity.data,
        weight_kg=form.weight_kg.data,
        site_id=form.site_id.data or None,
        fibres=fibres,
        photos=(photo.read(),) if photo else (),
    )


@bp.route("/annunci/nuovo", methods=["GET", "POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def new_listing() -> Any:
    form = ListingForm()
    form.site_id.choices = choices([(0, "—"), *((s.id, s.name) for s in queries.own_sites(current_user.organisation))])
    done = save_form(
        form,
        lambda: services.post_listing(_listing_data(form), current_user),
        lambda listing: _("Annuncio pubblicato: %(n)s abbinamenti proposti.", n=len(listing_matches(listing))),
        url_for("symbiosis.index"),
    )
    return done or (render_template("symbiosis/listing_form.html", form=form), form_status(form))


def listing_matches(listing: Listing) -> list[Any]:
    return [m for m in queries.matches_for(current_user) if listing.id in (m.offer_id, m.need_id)]


def _visible(listing_id: int) -> Listing:
    listing = db.get_or_404(Listing, listing_id)
    if not queries.may_see(listing, current_user):
        abort(404)
    return listing


@bp.route("/annunci/<int:listing_id>")
@permission_required(Permission.USE_SYMBIOSIS)
def listing(listing_id: int) -> Any:
    return render_template(
        "symbiosis/listing.html", listing=_visible(listing_id), hide_form=HideForm(), close_form=ConfirmForm()
    )


@bp.route("/annunci/<int:listing_id>/foto/<int:photo_id>")
@permission_required(Permission.USE_SYMBIOSIS)
def photo(listing_id: int, photo_id: int) -> Any:
    _visible(listing_id)
    item = db.get_or_404(ListingPhoto, photo_id)
    if item.listing_id != listing_id:
        abort(404)
    return Response(item.data, mimetype="image/jpeg")


@bp.route("/annunci/<int:listing_id>/chiudi", methods=["POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def close(listing_id: int) -> Any:
    form = ConfirmForm()
    save_form(form, lambda: services.close_listing(listing_id, current_user), _("Annuncio chiuso."), "")
    return redirect(url_for("symbiosis.index"))


@bp.route("/annunci/<int:listing_id>/nascondi", methods=["POST"])
@permission_required(Permission.MODERATE_SYMBIOSIS)
def hide(listing_id: int) -> Any:
    form = HideForm()
    listing = db.get_or_404(Listing, listing_id)
    done = save_form(
        form,
        lambda: services.hide_listing(listing_id, form.reason.data or "", current_user),
        _("Annuncio nascosto."),
        url_for("symbiosis.listing", listing_id=listing_id),
    )
    page = render_template("symbiosis/listing.html", listing=listing, hide_form=form, close_form=ConfirmForm())
    return done or (page, form_status(form))


def _match_page(match_id: int, **forms: Any) -> Any:
    match = services.visible_match(match_id, current_user)
    intake = forms.pop("intake_form", None) or IntakeForm()
    intake.site_id.choices = choices((s.id, s.name) for s in sorting_queries.plants(current_user))
    return render_template(
        "symbiosis/match.html",
        match=match,
        side=services.side_of(match, current_user),
        contacts=queries.contacts(match, current_user),
        answer_form=forms.get("answer_form") or AnswerForm(),
        arrange_form=forms.get("arrange_form") or ArrangeForm(obj=match),
        complete_form=forms.get("complete_form") or CompleteForm(),
        intake_form=intake,
    )


@bp.route("/abbinamenti/<int:match_id>")
@permission_required(Permission.USE_SYMBIOSIS)
def match(match_id: int) -> Any:
    return _match_page(match_id)


@bp.route("/abbinamenti/<int:match_id>/risposta", methods=["POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def answer(match_id: int) -> Any:
    form = AnswerForm()
    accept = form.accept.data == "1"
    message = _("Abbinamento accettato.") if accept else _("Abbinamento rifiutato.")
    done = save_form(
        form, lambda: services.answer(match_id, accept, current_user), message, url_for(".match", match_id=match_id)
    )
    return done or (_match_page(match_id, answer_form=form), 422)


@bp.route("/abbinamenti/<int:match_id>/ritiro", methods=["POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def arrange(match_id: int) -> Any:
    form = ArrangeForm()
    done = save_form(
        form,
        lambda: fulfilment.arrange(match_id, form_values(fulfilment.Arrangement, form), current_user),
        _("Ritiro organizzato."),
        url_for(".match", match_id=match_id),
    )
    return done or (_match_page(match_id, arrange_form=form), form_status(form))


@bp.route("/abbinamenti/<int:match_id>/concluso", methods=["POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def complete(match_id: int) -> Any:
    form = CompleteForm()
    done = save_form(
        form,
        lambda: fulfilment.complete_self_collection(match_id, form.quantity.data, form.moved_kg.data, current_user),
        _("Ritiro registrato."),
        url_for(".match", match_id=match_id),
    )
    return done or (_match_page(match_id, complete_form=form), form_status(form))


@bp.route("/abbinamenti/<int:match_id>/impianto", methods=["GET", "POST"])
@permission_required(Permission.WORK_PLANT)
def take_in(match_id: int) -> Any:
    """The plant takes in a material picked up for the marketplace: gross and tare, an intake linked to the match."""
    match = fulfilment.waiting_load(match_id)
    site = fulfilment.arrival_site(match)
    if site is not None:
        sorting_services.check_site_access(current_user, site)
    form = IntakeForm()
    form.site_id.choices = choices((s.id, s.name) for s in sorting_queries.plants(current_user))
    if not form.is_submitted() and site is not None:
        form.site_id.data = site.id
    created: list[Any] = []

    def save() -> Any:
        data = form.site_id.data, form.gross_kg.data, form.tare_kg.data
        created.append(fulfilment.take_in(match_id, *data, current_user))
        return created[0]

    def done(batch: Any) -> str:
        return _("Preso in carico come %(lot)s.", lot=batch.lot_code)

    if save_form(form, save, done, url_for("sorting.arrivals_page")):
        return redirect(url_for("sorting.batch", batch_id=created[0].id))
    return render_template("symbiosis/intake.html", match=match, site=site, form=form), form_status(form)


@bp.route("/avvisi/letti", methods=["POST"])
@permission_required(Permission.USE_SYMBIOSIS)
def read_notices() -> Any:
    save_form(ConfirmForm(), lambda: services.read_notices(current_user), _("Avvisi segnati come letti."), "")
    return redirect(url_for(".index"))


@bp.route("/moderazione")
@permission_required(Permission.MODERATE_SYMBIOSIS)
def moderation() -> Any:
    return render_template("symbiosis/moderation.html", profiles=queries.pending_profiles(), form=ConfirmForm())


@bp.route("/moderazione/<int:organisation_id>/approva", methods=["POST"])
@permission_required(Permission.MODERATE_SYMBIOSIS)
def approve(organisation_id: int) -> Any:
    done = save_form(
        ConfirmForm(),
        lambda: services.approve(organisation_id, current_user),
        _("Organizzazione approvata: i suoi annunci sono visibili."),
        url_for(".moderation"),
    )
    return done or redirect(url_for(".moderation"))
