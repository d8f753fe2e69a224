"""Industrial symbiosis: firms' offers and needs of surplus textiles and machines, matching, pickups in rounds."""


def register_kinds() -> None:
    """Register the pickup stop kind and its stops for collection rounds; called once by ``create_app``."""
    from app.rounds import kinds
    from app.rounds.models import StopKind
    from app.symbiosis import fulfilment, pickup_stops

    kinds.register_stop(StopKind.SYMBIOSIS, pickup_stops.HOOKS)
    kinds.register_collection_stops(fulfilment.pickup_stops)
