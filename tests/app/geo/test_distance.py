"""The one straight-line distance of the app."""

from __future__ import annotations

import pytest

from app.geo.distance import straight_m


def test_the_straight_line_from_the_duomo_to_the_castello_is_about_a_kilometre() -> None:
    assert straight_m(9.1919, 45.4642, 9.1794, 45.4705) == pytest.approx(1_200, abs=20)
    assert straight_m(9.19, 45.46, 9.19, 45.46) == 0.0
