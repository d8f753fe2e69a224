"""The comuni choropleth drawn on the server: every comune a path, coloured by its class, with legend and words."""

from __future__ import annotations

import re

from app.reports.maps import NO_DATA, PALETTE, choropleth_svg
from tests.app import factories

SESTO, RHO = "015209", "015182"


def test_the_map_draws_every_comune_and_colours_them_by_quantile():
    svg = choropleth_svg({factories.MILANO: 9.5, SESTO: 4.0, RHO: 1.0}, "kg per abitante", "kg/ab.", classes=3)
    pattern = r'fill="(#[0-9a-f]{6})" stroke="#ffffff" stroke-width="0.6" data-comune="(\d{6})"'
    fills = {code: fill for fill, code in re.findall(pattern, svg)}
    assert len(fills) == 133
    assert fills[factories.MILANO] == PALETTE[-1] and fills[RHO] == PALETTE[0] and fills[SESTO] == PALETTE[2]
    assert list(fills.values()).count(NO_DATA) == 130
    assert '<title id="map-title">kg per abitante</title>' in svg and "Milano 9,5 kg/ab." in svg
    assert "1,0 – 1,0 kg/ab." in svg and "4,0 – 9,5 kg/ab." in svg
