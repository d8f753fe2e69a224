"""Mid-day re-plan of the stops still pending."""

from __future__ import annotations


def replan_remaining(*args: object, **kwargs: object) -> object:
    raise NotImplementedError
