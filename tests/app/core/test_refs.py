"""Solver keys and domain references are written and read in one place."""

from __future__ import annotations

import pytest

from app.core.refs import (
    KeyKind,
    StopKey,
    bin_id_of,
    bin_key,
    domain_reference,
    key_id,
    parse_domain_reference,
    reference_key,
    site_key,
    vehicle_key,
)


def test_site_bin_and_vehicle_keys_give_back_their_row_id():
    assert [key_id(site_key(3)), key_id(bin_key(12)), key_id(vehicle_key(7))] == [3, 12, 7]
    assert StopKey.parse(vehicle_key(7)).kind == KeyKind.VEHICLE


def test_a_delivery_stop_keeps_its_whole_reference_and_is_no_bin():
    key = reference_key(domain_reference("delivery", 42))
    assert bin_id_of(key) is None and bin_id_of(bin_key(5)) == 5
    assert parse_domain_reference(StopKey.parse(key).value, "delivery") == 42
    assert parse_domain_reference("request:42", "delivery") is None


@pytest.mark.parametrize("key", ["12", "truck:3", "", ":4"])
def test_a_string_that_is_no_stop_key_is_refused(key):
    with pytest.raises(ValueError, match="not a stop key"):
        StopKey.parse(key)
