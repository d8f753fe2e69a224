"""Round planning (collection and delivery), route sheets and driver mode."""


def register_kinds() -> None:
    """Register the collection plan kind and its stops (bins, reloads); called once by ``create_app``."""
    from app.rounds import collection_stops, kinds, services
    from app.rounds.models import PlanKind, StopKind

    kinds.register(PlanKind.COLLECTION, kinds.KindRules(check=services.check_collection, prepare=services.prepare))
    for stop_kind in (StopKind.BIN, StopKind.RELOAD):
        kinds.register_stop(stop_kind, collection_stops.HOOKS)
