"""Redistribution to households referred by social services (pseudonymous by design)."""


def register_kinds() -> None:
    """Register the delivery plan kind and its stops with rounds; called once by ``create_app``."""
    from app.rounds import kinds
    from app.rounds.models import PlanKind, StopKind
    from app.welfare import delivery_planning, delivery_stops

    rules = kinds.KindRules(
        check=delivery_planning.check_plan_params,
        prepare=delivery_planning.prepare,
        on_publish=delivery_planning.publish,
    )
    kinds.register(PlanKind.DELIVERY, rules)
    kinds.register_stop(StopKind.DELIVERY, delivery_stops.HOOKS)
