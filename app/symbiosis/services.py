"""Marketplace rules: profiles and their approval, listings (offers and needs), moderation, matches and consent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import COMPANY_KINDS, Organisation, User
from app.core.clock import local_today, utcnow
from app.core.photos import clean_photo
from app.core.policy import Permission, can
from app.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from app.extensions import db
from app.fleet import services as fleet
from app.fleet.models import Site, SiteKind
from app.rounds import adapters
from app.sorting.services import eer_code
from app.symbiosis import catalog, matching
from app.symbiosis.catalog import ListingKind, Side, Unit, WasteStatus
from app.symbiosis.models import (
    CompanyProfile,
    Listing,
    ListingFibre,
    ListingPhoto,
    Match,
    MatchStatus,
    Notice,
    NoticeEvent,
)
from app.symbiosis.queries import candidate_of, open_candidates, own_sites

_ATECO = re.compile(r"^\d{2}(\.\d{1,2}){0,2}$")
MAX_QUANTITY = Decimal("1000000")
MAX_PHOTOS = 4


@dataclass(frozen=True)
class ProfileData:
    ateco_code: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    offers_text: str = ""
    needs_text: str = ""


@dataclass(frozen=True)
class ListingData:
    side: str
    kind: str
    category: str
    title: str
    quantity: object
    unit: str
    description: str = ""
    weight_kg: object = None
    site_id: int | None = None
    available_from: date | None = None
    available_until: date | None = None
    waste_status: str = ""
    eer_code: str = ""
    brand_model: str = ""
    condition: str = ""
    terms: str = ""
    fibres: dict[str, int] = field(default_factory=dict)
    photos: tuple[bytes, ...] = ()


def company_of(user: User) -> Organisation:
    """The user's organisation when it takes part in the marketplace."""
    if user.organisation.kind not in COMPANY_KINDS:
        raise PermissionDenied(_("La tua organizzazione non partecipa al mercato della simbiosi."))
    return user.organisation


def save_profile(data: ProfileData, user: User) -> CompanyProfile:
    """Create or update the user's organisation's profile; a new one waits for a coordinator's approval."""
    organisation = company_of(user)
    ateco = data.ateco_code.strip()
    if not _ATECO.match(ateco):
        raise ValidationError(_("Codice ATECO non valido (es. 14.13 o 14.13.10)."), field="ateco_code")
    if not data.contact_name.strip():
        raise ValidationError(_("Indica una persona di riferimento."), field="contact_name")
    if "@" not in data.contact_email:
        raise ValidationError(_("Indirizzo e-mail non valido."), field="contact_email")
    profile = db.session.get(CompanyProfile, organisation.id) or CompanyProfile(organisation=organisation)
    profile.ateco_code = ateco
    profile.contact_name, profile.contact_email = data.contact_name.strip(), data.contact_email.strip().lower()
    profile.contact_phone = data.contact_phone.strip()
    profile.offers_text, profile.needs_text = data.offers_text.strip(), data.needs_text.strip()
    db.session.add(profile)
    db.session.flush()
    return profile


@dataclass(frozen=True)
class CompanySite:
    name: str
    street: str
    cap: str
    lon: float
    lat: float
    civic_number: str = ""
    opening_hours: str = ""


def add_site(data: CompanySite, user: User) -> Site:
    """New premises of the user's own organisation (its comune from the point, inside the metro area)."""
    organisation = company_of(user)
    site = fleet.SiteData(
        data.name,
        SiteKind.COMPANY,
        data.street,
        data.civic_number,
        data.cap,
        data.lon,
        data.lat,
        organisation.id,
        data.opening_hours,
    )
    return fleet.save_site(site)


def approve(organisation_id: int, user: User) -> CompanyProfile:
    """A coordinator lets a participant's listings be seen and matched."""
    profile = db.session.get(CompanyProfile, organisation_id)
    if profile is None:
        raise NotFoundError(_("Profilo non trovato."))
    if profile.approved_at is None:
        profile.approved_at, profile.approved_by_id = utcnow(), user.id
        db.session.flush()
        for listing in db.session.scalars(select(Listing).where(Listing.organisation_id == organisation_id)):
            propose_matches(listing)
    return profile


def positive_number(value: object, name: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Numero non valido."), field=name) from None
    if not number.is_finite() or number <= 0 or number > MAX_QUANTITY:
        raise ValidationError(_("Serve un numero maggiore di zero."), field=name)
    return number.quantize(Decimal("0.01"))


def _composition(kind: str, fibres: dict[str, int]) -> dict[str, int]:
    """Fibre percentages (materials only), adding up to 100 when given."""
    given = {f: int(p) for f, p in fibres.items() if p}
    if kind != ListingKind.MATERIAL or not given:
        return {}
    if any(f not in set(catalog.Fibre) for f in given):
        raise ValidationError(_("Fibra sconosciuta."), field="fibres")
    if any(not 0 < p <= 100 for p in given.values()) or sum(given.values()) != 100:
        raise ValidationError(_("Le percentuali delle fibre devono sommare a 100."), field="fibres")
    return given


def _site(site_id: int | None, organisation: Organisation, side: str) -> Site | None:
    if site_id is None:
        if side == Side.OFFER:
            raise ValidationError(_("Indica la sede dove si ritira."), field="site_id")
        sites = own_sites(organisation)  # a need is measured from the organisation's (first) premises
        return sites[0] if sites else None
    site = db.session.get(Site, site_id)
    if site is None or site.organisation_id != organisation.id or not site.active:
        raise ValidationError(_("Scegli una sede attiva della tua organizzazione."), field="site_id")
    return site


def _check_kind(data: ListingData) -> None:
    if data.side not in set(Side) or data.kind not in set(ListingKind):
        raise ValidationError(_("Tipo di annuncio non valido."), field="kind")
    categories = catalog.MaterialCategory if data.kind == ListingKind.MATERIAL else catalog.MachineType
    if data.category not in set(categories):
        raise ValidationError(_("Categoria non valida per questo tipo."), field="category")
    if data.unit not in set(Unit) or (data.kind == ListingKind.MACHINE and data.unit != Unit.PIECES):
        raise ValidationError(_("Unità non valida (i macchinari si contano a pezzi)."), field="unit")
    if not data.title.strip() or len(data.title) > 120:
        raise ValidationError(_("Serve un titolo di al massimo 120 caratteri."), field="title")
    if data.available_from and data.available_until and data.available_until < data.available_from:
        raise ValidationError(_("La fine della disponibilità precede l'inizio."), field="available_until")


def _material_status(data: ListingData) -> tuple[str, str]:
    """Waste or by-product, and the EER code of a waste (material offers only)."""
    if data.kind != ListingKind.MATERIAL or data.side != Side.OFFER:
        return "", ""
    if data.waste_status not in set(WasteStatus):
        raise ValidationError(_("Indica se è un rifiuto o un sottoprodotto."), field="waste_status")
    if data.waste_status == WasteStatus.WASTE:
        return data.waste_status, eer_code(data.eer_code)
    return data.waste_status, ""


def _machine_terms(data: ListingData) -> tuple[str, str]:
    if data.kind != ListingKind.MACHINE or data.side != Side.OFFER:
        return "", ""
    if data.condition not in set(catalog.Condition):
        raise ValidationError(_("Indica lo stato del macchinario."), field="condition")
    if data.terms not in set(catalog.Terms):
        raise ValidationError(_("Indica se si dona, si presta o si vende."), field="terms")
    return data.condition, data.terms


def post_listing(data: ListingData, user: User) -> Listing:
    """A new offer or need of the user's organisation; the best matches are proposed to both sides at once."""
    organisation = company_of(user)
    profile = db.session.get(CompanyProfile, organisation.id)
    if profile is None or profile.approved_at is None:
        raise PermissionDenied(_("La tua organizzazione è in attesa di approvazione: compila il profilo."))
    return publish(data, organisation, user.id)


def publish(data: ListingData, organisation: Organisation, user_id: int | None) -> Listing:
    """Check and save a listing of an approved participant, then propose its best matches."""
    _check_kind(data)
    waste, code = _material_status(data)
    condition, terms = _machine_terms(data)
    composition = _composition(data.kind, data.fibres)
    photos = [p for p in (clean_photo(raw) for raw in data.photos[: MAX_PHOTOS + 1]) if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("Al massimo 4 foto."), field="photo")
    listing = Listing(
        organisation=organisation,
        side=data.side,
        kind=data.kind,
        category=data.category,
        title=data.title.strip(),
        description=data.description.strip(),
        quantity=positive_number(data.quantity, "quantity"),
        unit=data.unit,
        weight_kg=None if data.weight_kg in (None, "") else positive_number(data.weight_kg, "weight_kg"),
        site=_site(data.site_id, organisation, data.side),
        available_from=data.available_from,
        available_until=data.available_until,
        waste_status=waste,
        eer_code=code,
        brand_model=data.brand_model.strip()[:120],
        condition=condition,
        terms=terms,
        created_by_id=user_id,
        fibres=[ListingFibre(fibre=f, percent=p) for f, p in composition.items()],
        photos=[ListingPhoto(data=p, size_bytes=len(p)) for p in photos],
    )
    db.session.add(listing)
    db.session.flush()
    propose_matches(listing)
    return listing


def own_listing(listing_id: int, user: User) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFoundError(_("Annuncio non trovato."))
    if listing.organisation_id != user.organisation_id and not can(user, Permission.MODERATE_SYMBIOSIS):
        raise PermissionDenied(_("Questo annuncio è di un'altra organizzazione."))
    return listing


def close_listing(listing_id: int, user: User) -> Listing:
    """The offer is gone or the need is met: no more matches."""
    listing = own_listing(listing_id, user)
    listing.open = False
    db.session.flush()
    return listing


def hide_listing(listing_id: int, reason: str, user: User) -> Listing:
    """A coordinator takes a listing out of the marketplace; its proposed matches lapse."""
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFoundError(_("Annuncio non trovato."))
    if not reason.strip():
        raise ValidationError(_("Scrivi il motivo."), field="reason")
    listing.hidden_at, listing.hidden_reason = utcnow(), reason.strip()[:200]
    for match in db.session.scalars(
        select(Match).where(
            (Match.offer_id == listing.id) | (Match.need_id == listing.id), Match.status == MatchStatus.PROPOSED
        )
    ):
        match.status, match.declined_at = MatchStatus.DECLINED, utcnow()
    db.session.flush()
    return listing


def notify(match: Match, event: str) -> None:
    for organisation_id in {match.offer.organisation_id, match.need.organisation_id}:
        db.session.add(Notice(organisation_id=organisation_id, match=match, event=event))


def ranked_for(listing: Listing, limit: int, today: date | None = None) -> list[matching.Scored]:
    """The best counterparts of a listing among the open public ones, by road when the network is loaded."""
    today = today or local_today()
    own = candidate_of(listing)
    ranked = matching.rank(own, open_candidates(listing), today, limit)
    network = adapters.configured_network()
    if network is None or own.lon is None or own.lat is None or not ranked:
        return ranked
    points = [(s.candidate.lon or own.lon, s.candidate.lat or own.lat) for s in ranked]
    road = adapters.road_distances_m(network, (own.lon, own.lat), points)
    return ranked if road is None else matching.rerank_by_road(own, ranked, road, today)


def propose_matches(listing: Listing) -> list[Match]:
    """Propose the best new matches of a listing (score at least ``MIN_SCORE``) and tell both sides."""
    if not listing.open or listing.hidden_at is not None:
        return []
    found = []
    for scored in ranked_for(listing, matching.PROPOSED_PER_LISTING):
        if scored.score < matching.MIN_SCORE:
            continue
        offer_id, need_id = (listing.id, scored.candidate.id)[:: 1 if listing.side == Side.OFFER else -1]
        if db.session.scalar(select(Match.id).where(Match.offer_id == offer_id, Match.need_id == need_id)):
            continue
        match = Match(
            offer_id=offer_id,
            need_id=need_id,
            score=scored.score,
            distance_m=scored.distance_m or 0,
            by_road=scored.by_road,
        )
        db.session.add(match)
        db.session.flush()
        notify(match, NoticeEvent.PROPOSED)
        found.append(match)
    db.session.flush()
    return found


def side_of(match: Match, user: User) -> str | None:
    """Which side of the match the user's organisation is, if any."""
    if match.offer.organisation_id == user.organisation_id:
        return Side.OFFER
    if match.need.organisation_id == user.organisation_id:
        return Side.NEED
    return None


def visible_match(match_id: int, user: User) -> Match:
    match = db.session.get(Match, match_id)
    if match is None or (side_of(match, user) is None and not can(user, Permission.MODERATE_SYMBIOSIS)):
        raise NotFoundError(_("Abbinamento non trovato."))
    return match


def answer(match_id: int, accept: bool, user: User, now: datetime | None = None) -> Match:
    """A side accepts or declines a proposed match; when both accept, contacts are shown to both."""
    match = db.session.get(Match, match_id, with_for_update=True)
    side = None if match is None else side_of(match, user)
    if match is None or side is None:
        raise NotFoundError(_("Abbinamento non trovato."))
    if match.status != MatchStatus.PROPOSED:
        raise ConflictError(_("Questo abbinamento non attende più una risposta."))
    now = now or utcnow()
    if not accept:
        match.status, match.declined_at = MatchStatus.DECLINED, now
    elif side == Side.OFFER:
        match.offer_accepted_at = match.offer_accepted_at or now
    else:
        match.need_accepted_at = match.need_accepted_at or now
    if match.offer_accepted_at and match.need_accepted_at:
        match.status = MatchStatus.ACCEPTED
        notify(match, NoticeEvent.ACCEPTED)
    db.session.flush()
    return match


def read_notices(user: User) -> None:
    for notice in db.session.scalars(
        select(Notice).where(Notice.organisation_id == user.organisation_id, Notice.read_at.is_(None))
    ):
        notice.read_at = utcnow()
    db.session.flush()
