"""The periodic job that makes the outbox reliable."""

from datetime import datetime

from cosell.core import periodic

from . import services

BATCH = 500
MAX_BATCHES = 40


@periodic.register("webhooks.dispatch")
def webhooks_dispatch(now: datetime) -> dict[str, int]:
    """Fan out outbox events nobody dispatched (the broker was down at commit, say) and queue
    the deliveries due at ``now``. Run twice for one instant, the second run finds nothing new:
    events are marked dispatched and attempts move ``next_attempt_at`` past ``now``."""
    created: list[int] = []
    for _ in range(MAX_BATCHES):
        batch = services.outbox_dispatch(now=now, limit=BATCH)
        created.extend(batch)
        if len(batch) < BATCH:
            break
    queued = services.deliveries_due(now=now, exclude=set(created))
    return {"dispatched": len(created), "queued": queued}
