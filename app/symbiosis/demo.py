"""Demo marketplace: five approved participants, a handful of offers and needs, and one completed match. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Organisation, User
from app.core.clock import utcnow
from app.extensions import db
from app.fleet.models import Site
from app.symbiosis import fulfilment, services
from app.symbiosis.models import CompanyProfile, Listing, Match

DEMO = "(demo)"

# organisation, ATECO, contact, e-mail, phone, what it offers, what it needs
PARTICIPANTS = [
    (
        "Sartoria Navigli",
        "14.13.10",
        "Elena Fumagalli",
        "sartoria@demo.fitmi.it",
        "+39 02 5810 0001",
        "Tessuti di fine serie, ritagli di cotone e lana",
        "Macchine per cucire usate",
    ),
    (
        "Tessitura Legnanese",
        "13.20.00",
        "Giorgio Crespi",
        "tessitura@demo.fitmi.it",
        "+39 0331 000 002",
        "Filati e tessuti di lana, un telaio dismesso",
        "",
    ),
    (
        "Cooperativa Filo Sociale",
        "88.99.00",
        "Davide Sala",
        "cooperativa@demo.fitmi.it",
        "+39 02 2610 0003",
        "Capi riparati",
        "Tessuto di cotone per borse e grembiuli; macchine per cucire",
    ),
    (
        "Fablab Milano",
        "72.19.09",
        "Sara Lombardi",
        "fablab@demo.fitmi.it",
        "+39 02 8940 0004",
        "",
        "Ritagli di poliestere per feltri e imbottiture",
    ),
    (
        "Istituto di Moda Sesto",
        "85.32.09",
        "Prof. Anna Riva",
        "moda@demo.fitmi.it",
        "+39 02 2480 0005",
        "",
        "Accessori e minuterie, filati per le esercitazioni",
    ),
]

# organisation, side, kind, category, title, quantity, unit, weight kg, fibres, waste status, EER, machine fields
LISTINGS = [
    (
        "Sartoria Navigli",
        "offer",
        "material",
        "deadstock",
        "Popeline di cotone bianco, fine serie",
        "120",
        "m",
        "30",
        {"cotton": 100},
        "by_product",
        "",
        {},
    ),
    (
        "Sartoria Navigli",
        "offer",
        "material",
        "offcuts",
        "Ritagli di lana cotta",
        "25",
        "kg",
        None,
        {"wool": 90, "polyamide": 10},
        "waste",
        "040222",
        {},
    ),
    (
        "Tessitura Legnanese",
        "offer",
        "material",
        "yarn",
        "Rocche di filato di lana merino",
        "40",
        "kg",
        None,
        {"wool": 100},
        "by_product",
        "",
        {},
    ),
    (
        "Tessitura Legnanese",
        "offer",
        "machine",
        "loom",
        "Telaio a navetta funzionante",
        "1",
        "pieces",
        "350",
        {},
        "",
        "",
        {"brand_model": "Picanol President", "condition": "working", "terms": "give"},
    ),
    (
        "Cooperativa Filo Sociale",
        "need",
        "material",
        "deadstock",
        "Cotone per borse e grembiuli",
        "80",
        "m",
        None,
        {"cotton": 100},
        "",
        "",
        {},
    ),
    (
        "Cooperativa Filo Sociale",
        "need",
        "machine",
        "sewing",
        "Macchine per cucire per il laboratorio",
        "2",
        "pieces",
        None,
        {},
        "",
        "",
        {},
    ),
    (
        "Fablab Milano",
        "need",
        "material",
        "offcuts",
        "Ritagli di poliestere per feltri",
        "50",
        "kg",
        None,
        {"polyester": 100},
        "",
        "",
        {},
    ),
    (
        "Istituto di Moda Sesto",
        "need",
        "material",
        "yarn",
        "Filati di lana per le esercitazioni",
        "10",
        "kg",
        None,
        {"wool": 100},
        "",
        "",
        {},
    ),
]


def _organisation(name: str) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.name == f"{name} {DEMO}")).one()


def _ensure_profiles() -> None:
    for name, ateco, contact, email, phone, offers, needs in PARTICIPANTS:
        organisation = _organisation(name)
        profile = db.session.get(CompanyProfile, organisation.id) or CompanyProfile(organisation=organisation)
        profile.ateco_code, profile.contact_name, profile.contact_email = ateco, contact, email
        profile.contact_phone, profile.offers_text, profile.needs_text = phone, offers, needs
        profile.approved_at = profile.approved_at or utcnow()
        db.session.add(profile)
    db.session.flush()


def _site_of(organisation: Organisation) -> int:
    return db.session.scalars(select(Site.id).where(Site.organisation_id == organisation.id)).first() or 0


def _post_listings() -> None:
    for name, side, kind, category, title, qty, unit, kg, fibres, waste, eer, machine in LISTINGS:
        organisation = _organisation(name)
        data = services.ListingData(
            side=side,
            kind=kind,
            category=category,
            title=title,
            quantity=qty,
            unit=unit,
            weight_kg=kg,
            site_id=_site_of(organisation),
            fibres=fibres,
            waste_status=waste,
            eer_code=eer,
            **machine,
        )
        services.publish(data, organisation, None)


def _complete_one_match() -> None:
    """The cotton popeline went to the cooperative's workshop: accepted by both, collected, 80 m and 20 kg."""
    offer = db.session.scalars(select(Listing).where(Listing.title == LISTINGS[0][4])).one()
    match = db.session.scalars(select(Match).where(Match.offer_id == offer.id)).first()
    if match is None:
        return
    firm = db.session.scalars(select(User).where(User.email == "sartoria@demo.fitmi.it")).one()
    coop = db.session.scalars(select(User).where(User.email == "cooperativa@demo.fitmi.it")).one()
    services.answer(match.id, True, firm)
    services.answer(match.id, True, coop)
    fulfilment.arrange(match.id, fulfilment.Arrangement("self"), firm)
    fulfilment.complete_self_collection(match.id, "80", "20", coop)


def ensure_demo_symbiosis() -> None:
    _ensure_profiles()
    organisations = [_organisation(p[0]).id for p in PARTICIPANTS]
    if db.session.scalar(select(Listing.id).where(Listing.organisation_id.in_(organisations)).limit(1)):
        return
    _post_listings()
    _complete_one_match()
