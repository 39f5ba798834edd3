"""Periodic jobs of offers (registered by name; beat and ``run_periodic --at`` run them)."""

from datetime import datetime

from cosell.core import periodic

from . import services


@periodic.register("offers.reevaluate_all")
def reevaluate_all(now: datetime) -> int:
    """Nightly: ACR is a trailing figure, so every offer is evaluated again."""
    return services.offers_reevaluate_all(now=now)


@periodic.register("offers.badge_propagate")
def badge_propagate(now: datetime) -> int:
    """Publish and remove Preferred solution badges whose propagation run is due."""
    return services.badge_propagate(now=now)
