"""Round-planning fixtures: real road networks (loaded once), a Milan-centre world, fixed forecasts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import pytest
from flask import Flask

from app.collection.forecast import BinForecast
from app.core.clock import local_today
from app.extensions import db
from app.rounds import adapters, selection
from tests.app import factories
from tests.shared_data import MILAN_EXTRACT, TURIN_NETWORK, shared_file

# Points on the drivable roads of the central-Milan extract (Via Pantano, Via Osti, Vicolo Santa Caterina).
PLANT_POINT = (9.1914543, 45.4600464)
DEPOT_POINT = (9.1923711, 45.4591275)
BIN_POINTS = [
    (9.1917835, 45.4596189),
    (9.1922814, 45.4591773),
    (9.1918975, 45.4589013),
    (9.1924155, 45.4589622),
    (9.1916667, 45.4587539),
]


@pytest.fixture(scope="session")
def milan_roads(app: Flask) -> str:
    """Path of the central-Milan extract, its network loaded once for the session."""
    path = str(shared_file(MILAN_EXTRACT))
    adapters.network_for(path, app.config["GIS_CACHE_DIR"])
    return path


@pytest.fixture(scope="session")
def turin_network(app: Flask) -> Any:
    path = str(shared_file(TURIN_NETWORK))
    return adapters.network_for(path, app.config["GIS_CACHE_DIR"])


@pytest.fixture
def on_milan_roads(app: Flask, milan_roads: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(app.config, "ROAD_NETWORK_FILE", milan_roads)
    return milan_roads


class Forecasts(dict[int, BinForecast]):
    """Forecasts by bin id; bins not set are 90 % full (300 kg bins → 270 kg)."""

    def set(self, bin_: Any, fill_ratio: float, overflow: float = 0.0) -> None:
        kg = bin_.full_weight_kg * fill_ratio
        self[bin_.id] = BinForecast(kg, fill_ratio, overflow, None)


@pytest.fixture
def forecasts(monkeypatch: pytest.MonkeyPatch) -> Forecasts:
    table = Forecasts()

    def fake(bin_ids: list[int], at: Any) -> dict[int, BinForecast]:
        return {i: table.get(i, BinForecast(270.0, 0.9, 0.2, None)) for i in bin_ids}

    monkeypatch.setattr(selection, "forecast_bins", fake)
    return table


@dataclass
class World:
    plant: Any
    depot: Any
    vehicles: list[Any]
    bins: list[Any]
    driver: Any

    @property
    def tomorrow(self) -> date:
        return local_today() + timedelta(days=1)

    def params(self, **overrides: Any) -> Any:
        from app.rounds.services import PlanParams

        values: dict[str, Any] = {
            "service_date": self.tomorrow,
            "site_ids": (self.plant.id, self.depot.id),
            "vehicle_ids": tuple(v.id for v in self.vehicles),
            "drivers": {self.vehicles[0].id: self.driver.id},
            "time_limit_s": 1.0,
        }
        return PlanParams(**(values | overrides))


@pytest.fixture
def world(forecasts: Forecasts) -> Iterator[World]:
    """A sorting plant and a depot in central Milan, two small trucks, five bins on the roads."""
    org = factories.OrganisationFactory(name="Vesti Solidale Test")
    plant = factories.SiteFactory(
        name="Impianto Pantano", kind="sorting_plant", street="Via Pantano", lon=PLANT_POINT[0], lat=PLANT_POINT[1]
    )
    depot = factories.SiteFactory(
        name="Deposito Osti", kind="depot", street="Via Osti", lon=DEPOT_POINT[0], lat=DEPOT_POINT[1]
    )
    vehicles = [
        factories.VehicleFactory(
            organisation=org, home_site=site, capacity_kg=600, shift_start=time(6), shift_end=time(14)
        )
        for site in (plant, depot)
    ]
    bins = [
        factories.BinFactory(operator=org, lon=lon, lat=lat, street_name="Pantano", full_weight_kg=300)
        for lon, lat in BIN_POINTS
    ]
    driver = factories.UserFactory(role="driver", organisation=org)
    db.session.flush()
    yield World(plant, depot, vehicles, bins, driver)
