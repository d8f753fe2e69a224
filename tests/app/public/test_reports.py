"""A citizen's report at a bin: a fill reading or an incident, its effect on the forecast and the planner,
photos without EXIF, rate limits, and the operator who handles it."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from app.collection import citizen_reports
from app.collection.forecast import forecast_bins
from app.collection.models import CitizenReport, FillReading, Pickup
from app.extensions import db
from app.rounds.selection import candidate_bins
from tests.app import factories
from tests.app.conftest import login
from tests.app.public.conftest import jpeg_with_exif, post_report


def _token(client) -> str:
    """The session's CSRF token, as the list page's forms carry it."""
    html = client.get("/collection/citizen-reports").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _bin_with_history(clock):
    """A bin emptied every week at a third full: the forecast expects it far from full today."""
    bin_ = factories.BinFactory()
    for weeks in range(6, 0, -1):
        db.session.add(Pickup(bin=bin_, collected_at=clock.now - timedelta(weeks=weeks), weight_kg=80))
    db.session.add(Pickup(bin=bin_, collected_at=clock.now - timedelta(hours=2), weight_kg=80))
    db.session.commit()
    return bin_


def test_a_full_report_becomes_a_full_fill_reading_and_raises_the_overflow_risk(client, clock):
    bin_ = _bin_with_history(clock)
    before = forecast_bins([bin_.id], clock.now)[bin_.id]
    response = post_report(client, bin_.public_code, "full")
    assert response.status_code == 302 and response.headers["Location"].endswith("/grazie")
    reading = db.session.scalar(select(FillReading))
    assert reading.bin_id == bin_.id and reading.fill_percent == 100 and reading.recorded_by_id is None
    after = forecast_bins([bin_.id], clock.now + timedelta(minutes=1))[bin_.id]
    assert before.fill_ratio < 0.5 and after.fill_ratio >= 1.0
    assert after.overflow_probability > before.overflow_probability + 0.3


def test_bags_on_the_ground_make_the_bin_required_in_the_planner_until_it_is_emptied(client, clock):
    bin_ = _bin_with_history(clock)
    threshold = 1.5  # no bin is required by its forecast alone at this threshold
    assert not candidate_bins({bin_.operator_id}, clock.now, threshold)[0].record.required
    post_report(client, bin_.public_code, "bags_on_ground")
    assert candidate_bins({bin_.operator_id}, clock.now, threshold)[0].record.required
    clock.advance(timedelta(hours=3))
    db.session.add(Pickup(bin=bin_, collected_at=clock.now, weight_kg=260))
    db.session.commit()
    assert not candidate_bins({bin_.operator_id}, clock.now, threshold)[0].record.required


def test_a_damaged_bin_is_an_incident_for_the_operator_and_leaves_the_forecast_alone(client, clock):
    bin_ = _bin_with_history(clock)
    post_report(client, bin_.public_code, "damaged")
    found = db.session.scalar(select(CitizenReport))
    assert found.kind == "damaged" and found.status == "open" and found.fill_reading_id is None
    assert db.session.scalar(select(FillReading)) is None


def test_an_unknown_kind_is_refused_and_nothing_is_written(client):
    bin_ = factories.BinFactory()
    db.session.commit()
    response = post_report(client, bin_.public_code, "on_fire")
    assert response.status_code == 422
    assert db.session.scalar(select(CitizenReport)) is None and db.session.scalar(select(FillReading)) is None


def test_a_photo_is_kept_without_exif_and_no_larger_than_needed(client):
    bin_ = factories.BinFactory()
    db.session.commit()
    original = jpeg_with_exif((3000, 2000))
    assert b"Mario Rossi" in original
    assert post_report(client, bin_.public_code, "bags_on_ground", original).status_code == 302
    stored = db.session.scalar(select(CitizenReport)).photo
    image = Image.open(io.BytesIO(stored))
    assert b"Mario Rossi" not in stored and b"Exif" not in stored
    assert len(image.getexif()) == 0 and max(image.size) == 1600


def test_a_photo_that_is_not_an_image_or_too_large_is_refused(client, monkeypatch):
    from app.core import photos

    bin_ = factories.BinFactory()
    db.session.commit()
    refused = post_report(client, bin_.public_code, "full", b"%PDF-1.4 not a photo")
    assert refused.status_code == 422 and "immagine leggibile" in refused.get_data(as_text=True)
    monkeypatch.setattr(photos, "MAX_PHOTO_PIXELS", 100)
    too_many = post_report(client, bin_.public_code, "full", jpeg_with_exif((20, 20)))
    assert too_many.status_code == 422 and "troppi pixel" in too_many.get_data(as_text=True)
    assert db.session.scalar(select(CitizenReport)) is None


def test_reports_are_limited_per_address_at_a_bin_per_address_and_per_bin(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_LIMIT_PER_IP", "3 per hour")
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_LIMIT_PER_BIN", "4 per hour")
    first, second, third = factories.BinFactory(), factories.BinFactory(), factories.BinFactory()
    db.session.commit()
    one = {"REMOTE_ADDR": "203.0.113.7"}
    assert [post_report(client, first.public_code, "full", **one).status_code for _ in range(3)] == [302, 302, 429]
    assert post_report(client, second.public_code, "full", **one).status_code == 302
    assert post_report(client, third.public_code, "full", **one).status_code == 429  # the address's 3 per hour
    others = [post_report(client, second.public_code, "full", REMOTE_ADDR=f"198.51.100.{n}") for n in range(4)]
    assert [r.status_code for r in others] == [302, 302, 302, 429]  # the bin's 4 per hour, whoever sends them
    assert client.get(f"/pubblico/contenitori/{second.public_code}").status_code == 200  # reading stays open
    assert len(db.session.scalars(select(CitizenReport)).all()) == 6


def test_the_operator_sees_the_report_on_the_bin_page_and_list_and_a_spurious_one_stops_counting(client, clock):
    bin_ = _bin_with_history(clock)
    other = factories.BinFactory()  # another organisation's bin
    db.session.commit()
    post_report(client, bin_.public_code, "full")
    post_report(client, other.public_code, "damaged")
    report_id = db.session.scalar(select(CitizenReport.id).where(CitizenReport.bin_id == bin_.id))
    operator = factories.UserFactory(role="operator", organisation=bin_.operator)
    db.session.commit()
    login(client, operator.email)
    listing = client.get("/collection/citizen-reports").get_data(as_text=True)
    assert bin_.code in listing and other.code not in listing and "Contenitore pieno" in listing
    page = client.get(f"/bins/{bin_.id}").get_data(as_text=True)
    assert 'data-report-kind="full"' in page and f"/pubblico/contenitori/{bin_.public_code}" in page

    assert forecast_bins([bin_.id], clock.now)[bin_.id].fill_ratio >= 1.0
    response = client.post(
        f"/collection/citizen-reports/{report_id}/close", data={"outcome": "spurious", "csrf_token": _token(client)}
    )
    assert response.status_code == 302
    found = db.session.get(CitizenReport, report_id)
    assert found.status == "spurious" and found.handled_by_id == operator.id
    assert forecast_bins([bin_.id], clock.now)[bin_.id].fill_ratio < 0.5  # the reading no longer counts


def test_an_operator_cannot_close_another_organisations_report(client):
    bin_ = factories.BinFactory()
    db.session.commit()
    found = citizen_reports.report(bin_, "damaged")
    db.session.commit()
    stranger = factories.UserFactory(role="operator")
    db.session.commit()
    login(client, stranger.email)
    assert "data-report-kind" not in client.get("/collection/citizen-reports?status=").get_data(as_text=True)
    closing = client.post(
        f"/collection/citizen-reports/{found.id}/close", data={"outcome": "handled", "csrf_token": _token(client)}
    )
    assert closing.status_code == 404
    assert client.get(f"/collection/citizen-reports/{found.id}/photo").status_code == 404
    assert db.session.get(CitizenReport, found.id).status == "open"
