"""Industrial symbiosis: firms' offers and needs of surplus textiles and machines, matching, pickups in rounds."""


def register_kinds() -> None:
    """Register the pickup stop kind, its stops in collection rounds, its loads at plants; called by ``create_app``."""
    from app.rounds import kinds
    from app.rounds.models import StopKind
    from app.sorting import arrivals
    from app.symbiosis import fulfilment, pickup_stops

    kinds.register_stop(StopKind.SYMBIOSIS, pickup_stops.HOOKS)
    kinds.register_collection_stops(fulfilment.pickup_stops)
    arrivals.register_loads(fulfilment.loads_waiting)  # the plant sees them with the round's unloads
