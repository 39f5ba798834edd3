"""Emitting domain events into the outbox.

Services call ``emit`` inside their own transaction, next to the change and its audit event:

    outbox.emit(
        event_type="lead.accepted",
        subject=lead,
        recipients={lead.sender_partner_id: lead_payload(lead, for_partner=...), ...},
        at=now,
    )

The rows commit or roll back with the change. After commit a task fans them out to the
partners' endpoints; if the broker is down then, the periodic job ``webhooks.dispatch`` picks
them up later, so nothing is lost.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import models, transaction

from .models import EventType, OutboxEvent

log = logging.getLogger(__name__)

EVENT_TYPES = frozenset(EventType.values)

# Publishing runs after commit, in the request: fail fast when Redis is away, the periodic job
# delivers what was not published.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
DISPATCH_CHUNK = 500


def publish(task, *args) -> bool:
    """Queue ``task`` without ever raising into the caller; say whether it was queued."""
    try:
        task.apply_async(args=list(args), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:
        log.warning("could not queue %s%r; the periodic job will", task.name, args, exc_info=True)
        return False
    return True


def _rows(
    event_type: str, subject: models.Model, recipients: dict[int, dict], at: datetime
) -> list[OutboxEvent]:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}; known: {sorted(EVENT_TYPES)}")
    subject_type = subject._meta.label_lower
    return [
        OutboxEvent(
            type=event_type,
            partner_id=partner_id,
            subject_type=subject_type,
            subject_id=str(subject.pk),
            data=data,
            created_at=at,
        )
        for partner_id, data in recipients.items()
    ]


def _dispatch_after_commit(events: list[OutboxEvent]) -> None:
    if not events:
        return
    ids = [str(event.pk) for event in events]

    def dispatch():
        from . import tasks

        for start in range(0, len(ids), DISPATCH_CHUNK):
            publish(tasks.outbox_dispatch, ids[start : start + DISPATCH_CHUNK])

    transaction.on_commit(dispatch)


def emit(
    *, event_type: str, subject: models.Model, recipients: dict[int, dict[str, Any]], at: datetime
) -> list[OutboxEvent]:
    """Write one outbox row per recipient partner (partner id -> the data that partner may see).

    Call inside the transaction of the change. Delivery is queued after commit and never raises
    into the caller.
    """
    events = OutboxEvent.objects.bulk_create(_rows(event_type, subject, recipients, at))
    _dispatch_after_commit(events)
    return events


def emit_many(
    *,
    event_type: str,
    items: Iterable[tuple[models.Model, dict[int, dict[str, Any]]]],
    at: datetime,
    batch_size: int = 1000,
) -> list[OutboxEvent]:
    """``emit`` for set-based jobs: ``items`` are (subject, recipients) pairs, one bulk insert."""
    rows: list[OutboxEvent] = []
    for subject, recipients in items:
        rows.extend(_rows(event_type, subject, recipients, at))
    events = OutboxEvent.objects.bulk_create(rows, batch_size=batch_size)
    _dispatch_after_commit(events)
    return events
