"""Demo households (clearly fake names, labelled demo) in Milano and Sesto San Giovanni, with requests at
every stage up to «pronta» (reserved from the demo stock, ready for a delivery round). Idempotent."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.welfare import allocation, households, requests, workflow
from app.welfare.models import GarmentRequest, Household, RequestStatus

# e-mail of the worker, name, street, civic, CAP, lon, lat, members, final status
DEMO_HOUSEHOLDS = [
    (
        "assistente.sociale@demo.fitmi.it",
        "Famiglia Demo Rossi (finta)",
        "Via Padova",
        "120",
        "20132",
        9.2290,
        45.4990,
        [
            ("Figlio 1", "6-10", "bambino", "children", "8 anni", "32"),
            ("Figlia 2", "3-5", "bambina", "children", "5 anni", "28"),
        ],
        RequestStatus.SENT,
    ),
    (
        "assistente.sociale@demo.fitmi.it",
        "Famiglia Demo Bianchi (finta)",
        "Via dei Cinquecento",
        "18",
        "20139",
        9.2210,
        45.4380,
        [("Madre", "18-64", "donna", "letters", "M", "38")],
        RequestStatus.DRAFT,
    ),
    (
        "assistente.nord@demo.fitmi.it",
        "Famiglia Demo Verdi (finta)",
        "Viale Casiraghi",
        "120",
        "20099",
        9.2350,
        45.5320,
        [
            ("Figlio 1", "11-14", "bambino", "children", "12 anni", "38"),
            ("Padre", "18-64", "uomo", "letters", "L", "43"),
        ],
        RequestStatus.READY,
    ),
]


def _ensure_household(row: tuple, worker: User) -> Household | None:
    _email, name, street, civic, cap, lon, lat, members, status = row
    if db.session.scalar(
        select(Household).where(
            Household.is_demo.is_(True), Household.office_id == worker.organisation_id, Household.code.in_(_codes(name))
        )
    ):
        return None
    data = households.IdentityData(
        name=name, street=street, civic=civic, cap=cap, lon=lon, lat=lat, phone="+39 000 000 0000"
    )
    household = households.register_household(data, True, worker)
    household.is_demo = True
    for member in members:
        households.add_member(household, households.MemberData(*member), worker)
    _demo_request(household, worker, status)
    return household


def _codes(name: str) -> list[str]:
    """Demo households keep a stable code derived from their fake name, so ``flask demo`` is idempotent."""
    return ["MI-D" + "".join(c for c in name.upper() if c.isalpha())[13:17].ljust(4, "X")]


def _demo_request(household: Household, worker: User, status: str) -> GarmentRequest:
    lines = [
        requests.LineData(m.id, "cappotto" if m.gender in ("bambino", "bambina") else "maglione", "inverno", 1)
        for m in household.members
    ]
    request = requests.create_request(
        household, requests.RequestData(lines=lines, window_start=time(9, 0), window_end=time(13, 0)), worker
    )
    request.is_demo = True
    if status in (RequestStatus.SENT, RequestStatus.APPROVED, RequestStatus.READY):
        requests.send(request, worker)
    coordinator = db.session.scalar(select(User).where(User.email == "coordinatore@demo.fitmi.it"))
    if status in (RequestStatus.APPROVED, RequestStatus.READY) and coordinator is not None:
        requests.approve(request, coordinator)
    operator = db.session.scalar(select(User).where(User.email == "operatore@demo.fitmi.it"))
    if status == RequestStatus.READY and operator is not None and request.status == RequestStatus.APPROVED:
        # prepared from the demo stock, so a coordinator can plan a delivery round straight away
        allocation.allocate(request, operator)
        workflow.mark_ready(request, operator)
    return request


def ensure_demo_welfare() -> int:
    """Create the demo households once; returns how many were created now."""
    created = 0
    for row in DEMO_HOUSEHOLDS:
        worker = db.session.scalar(select(User).where(User.email == row[0]))
        if worker is None:
            continue
        household = _ensure_household(row, worker)
        if household is not None:
            household.code = _codes(row[1])[0]
            created += 1
    db.session.flush()
    return created
