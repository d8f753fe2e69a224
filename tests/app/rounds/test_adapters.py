"""The routing adapter on plain records: a city-scale round on the real Turin road network."""

from __future__ import annotations

import numpy as np

from app.rounds import adapters
from app.rounds.adapters import SiteRecord, StopRecord, VehicleRecord
from tests.app.rounds.conftest import BIN_POINTS, PLANT_POINT

# Turin: sorting plant near Lingotto, depot in Barriera di Milano; bins scattered over the centre.
PLANT = SiteRecord("site:1", "Impianto Lingotto", 7.6640, 45.0330, 900)
DEPOT = SiteRecord("site:2", "Deposito Barriera", 7.6990, 45.0920, 300)


def _bins(count: int) -> list[StopRecord]:
    rng = np.random.default_rng(6)
    lon = rng.uniform(7.655, 7.700, count)
    lat = rng.uniform(45.045, 45.085, count)
    return [
        StopRecord(
            f"bin:{i}",
            float(x),
            float(y),
            int(rng.integers(60, 260)),
            required=i % 3 != 0,
            prize=0 if i % 3 else 20_000,
        )
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]


def _truck(key: str, start: str) -> VehicleRecord:
    return VehicleRecord(key, 1500, (6 * 3600, 14 * 3600), start, "site:1", ("site:1",), cost_per_m=42, cost_per_s=889)


def test_a_city_round_on_turin_roads_is_solved_checked_and_unloads_at_the_plant(turin_network) -> None:
    stops = _bins(45)
    built = adapters.build_problem(
        [PLANT, DEPOT], [_truck("veh:1", "site:1"), _truck("veh:2", "site:2")], stops, turin_network
    )

    result = adapters.solve_problem(built, time_limit_s=2.0, seed=1)

    assert not built.approximate
    served = {v.key for r in result.routes for v in r.visits if v.kind == "stop"}
    required = {s.key for s in stops if s.required} - set(built.excluded)
    assert required <= served
    assert any(v.kind == "reload" and v.key == "site:1" for r in result.routes for v in r.visits)
    assert all(r.visits[-1].key == "site:1" for r in result.routes)


def test_hand_edited_sequences_are_rechecked_for_capacity(turin_network) -> None:
    stops = [StopRecord(f"bin:{i}", 7.68 + i * 0.002, 45.07, 200) for i in range(3)]
    small = VehicleRecord("veh:1", 300, (6 * 3600, 14 * 3600), "site:1", "site:1", ("site:1",))
    built = adapters.build_problem([PLANT], [small], stops, turin_network)

    overloaded = adapters.recheck(built, {"veh:1": (6 * 3600, ["bin:0", "bin:1", "bin:2"])})
    with_unloads = adapters.recheck(built, {"veh:1": (6 * 3600, ["bin:0", "site:1", "bin:1", "site:1", "bin:2"])})

    assert any("capacity" in v for v in overloaded.violations)
    assert not with_unloads.violations
    assert [v.load_kg for v in with_unloads.routes[0].visits] == [0, 200, 0, 200, 0, 200, 0]


def test_road_distances_leave_out_only_the_points_off_the_roads(app, milan_roads) -> None:
    network = adapters.network_for(milan_roads, app.config["GIS_CACHE_DIR"])
    sesto = (9.2330, 45.5350)  # outside the central-Milan extract
    metres = adapters.road_distances_m(network, PLANT_POINT, [BIN_POINTS[0], sesto, BIN_POINTS[1]])
    assert metres is not None and metres[1] is None
    assert metres[0] is not None and metres[2] is not None and 0 < metres[0] < 1_000
    assert adapters.road_distances_m(network, sesto, BIN_POINTS) is None  # the origin itself is off the roads
    assert adapters.road_distances_m(None, PLANT_POINT, BIN_POINTS) is None  # no network: straight lines
