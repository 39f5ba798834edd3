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

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from cosell.core import bulk
from cosell.core.effects import PUBLISH_RETRY_POLICY, publish  # noqa: F401  (re-exported)

from .models import EventType, OutboxEvent, event_uuid

log = logging.getLogger(__name__)

EVENT_TYPES = frozenset(EventType.values)

DISPATCH_CHUNK = 500
# The columns a bulk write fills, in the order of ``OutboxEvent``'s fields (``dispatched_at``
# stays NULL), so a row tuple also builds the instance positionally.
COPY_COLUMNS = ("id", "type", "partner_id", "subject_type", "subject_id", "data", "created_at")
_encode = DjangoJSONEncoder().encode  # the model field's encoder


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
    if events:
        _dispatch_ids_after_commit([str(event.pk) for event in events])


def _dispatch_ids_after_commit(ids: list[str]) -> None:
    if not ids:
        return

    def dispatch():
        from . import tasks

        for start in range(0, len(ids), DISPATCH_CHUNK):
            publish(tasks.outbox_dispatch, ids[start : start + DISPATCH_CHUNK])

    transaction.on_commit(dispatch, robust=True)


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
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}; known: {sorted(EVENT_TYPES)}")
    rows = [
        (event_uuid(), event_type, partner_id, subject._meta.label_lower, str(subject.pk), data, at)
        for subject, recipients in items
        for partner_id, data in recipients.items()
    ]
    _write(rows, batch_size)
    return [OutboxEvent(*row, None) for row in rows]


def emit_rows(
    *,
    event_type: str,
    subject_model: type[models.Model],
    items: Iterable[tuple[Any, dict[int, dict[str, Any]]]],
    at: datetime,
) -> int:
    """``emit_many`` for jobs that hold primary keys and values, not instances: ``items`` are
    (subject pk, recipients) pairs of rows of ``subject_model``. Return the rows written."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}; known: {sorted(EVENT_TYPES)}")
    subject_type = subject_model._meta.label_lower
    rows = [
        (event_uuid(), event_type, partner_id, subject_type, str(pk), data, at)
        for pk, recipients in items
        for partner_id, data in recipients.items()
    ]
    _write(rows)
    return len(rows)


def _write(rows: list[tuple], batch_size: int = 1000) -> None:
    """Insert outbox rows (``COPY_COLUMNS`` tuples) in this transaction; deliver after commit.

    PostgreSQL: one COPY, the JSON encoded once by the C encoder (``bulk_create`` binds each
    column and has psycopg escape every payload in Python). Elsewhere: ``bulk_create``.
    """
    if not rows:
        return
    if bulk.copy_supported():
        bulk.copy_rows(
            OutboxEvent,
            COPY_COLUMNS,
            ((id_, t, p, st, si, _encode(data), c) for id_, t, p, st, si, data, c in rows),
        )
    else:
        OutboxEvent.objects.bulk_create(
            [OutboxEvent(*row, None) for row in rows], batch_size=batch_size
        )
    _dispatch_ids_after_commit([str(row[0]) for row in rows])
