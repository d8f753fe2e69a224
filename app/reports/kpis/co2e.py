"""CO2e avoided by reuse and recycling, net of the collection trucks' emissions: the factors, in one place.

Sources and reasoning: docs/co2e.md. Change a factor here and there together.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# t CO2e avoided per t of textiles reused when every reused garment replaces a new one (WRAP).
REUSE_T_CO2E_PER_T = Decimal("4.0")
# t CO2e avoided per t of textiles sent to recycling (WRAP).
RECYCLING_T_CO2E_PER_T = Decimal("0.7")
# kg CO2e per km of a diesel rigid truck of 7.5–17 t at UK average load (UK Government GHG conversion
# factors, Defra/DECC 2012, Annex 7, table 7e: 0.35410 kg CO2e per t·km, direct, × 2.06 t average payload).
TRUCK_KG_CO2E_PER_KM = Decimal("0.729")
# Share of reused garments that really replace the purchase of a new one.
DISPLACEMENT_UK = Decimal("0.28")  # UK studies: the low end
DISPLACEMENT_NORDIC_LOW = Decimal("0.60")  # Nordic studies: 60–85 %
DISPLACEMENT_NORDIC_HIGH = Decimal("0.85")
DISPLACEMENTS = (DISPLACEMENT_UK, DISPLACEMENT_NORDIC_LOW, DISPLACEMENT_NORDIC_HIGH)
KG_PER_T = Decimal(1000)


@dataclass(frozen=True)
class Scenario:
    displacement: Decimal
    reuse_t: Decimal  # t CO2e avoided by reuse at this displacement
    net_t: Decimal  # reuse + recycling − collection


@dataclass(frozen=True)
class Co2e:
    reused_kg: Decimal
    recycled_kg: Decimal
    collection_km: Decimal
    recycling_t: Decimal
    collection_t: Decimal
    scenarios: tuple[Scenario, ...]

    @property
    def low(self) -> Scenario:
        return self.scenarios[0]

    @property
    def high(self) -> Scenario:
        return self.scenarios[-1]


def co2e(reused_kg: Decimal, recycled_kg: Decimal, collection_km: Decimal) -> Co2e:
    """t CO2e avoided for each displacement share, from kg reused and recycled and the collection's km."""
    recycling_t = recycled_kg / KG_PER_T * RECYCLING_T_CO2E_PER_T
    collection_t = collection_km * TRUCK_KG_CO2E_PER_KM / KG_PER_T
    scenarios = []
    for share in DISPLACEMENTS:
        reuse_t = reused_kg / KG_PER_T * REUSE_T_CO2E_PER_T * share
        scenarios.append(Scenario(share, reuse_t, reuse_t + recycling_t - collection_t))
    return Co2e(reused_kg, recycled_kg, collection_km, recycling_t, collection_t, tuple(scenarios))
