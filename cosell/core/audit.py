"""The audit trail: every state change writes one event in its own transaction."""

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import bulk
from .models import AuditEvent

# The columns a bulk write fills; ``id`` takes its sequence's default.
COPY_COLUMNS = (
    "subject_type_id",
    "subject_id",
    "verb",
    "from_state",
    "to_state",
    "actor_id",
    "job",
    "reason",
    "at",
    "extra",
)


def record(
    subject: models.Model,
    verb: str,
    *,
    at: datetime,
    frm: str = "",
    to: str = "",
    actor=None,
    job: str = "",
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event about ``subject``. Call inside the transaction that made the change."""
    return AuditEvent.objects.create(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
        verb=verb,
        from_state=str(frm or ""),
        to_state=str(to or ""),
        actor=actor if actor is not None and actor.is_authenticated else None,
        job=job,
        reason=str(reason or ""),
        at=at,
        extra=extra or {},
    )


def build(
    subject: models.Model,
    verb: str,
    *,
    at: datetime,
    frm: str = "",
    to: str = "",
    actor=None,
    job: str = "",
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event, for jobs that write many with ``bulk_record``."""
    return AuditEvent(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
        verb=verb,
        from_state=str(frm or ""),
        to_state=str(to or ""),
        actor=actor,
        job=job,
        reason=str(reason or ""),
        at=at,
        extra=extra or {},
    )


def bulk_record(events: Iterable[AuditEvent], batch_size: int = 2000) -> list[AuditEvent]:
    """Insert events built with ``build`` in one statement. On PostgreSQL (COPY) their ids are
    not read back; nothing reads them."""
    events = list(events)
    if not bulk.copy_supported():
        return AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    bulk.copy_rows(
        AuditEvent,
        COPY_COLUMNS,
        (
            (
                e.subject_type_id,
                e.subject_id,
                e.verb,
                e.from_state,
                e.to_state,
                e.actor_id,
                e.job,
                e.reason,
                e.at,
                json.dumps(e.extra or {}),
            )
            for e in events
        ),
    )
    return events


def bulk_record_many(
    model: type[models.Model],
    verb: str,
    entries: Iterable[tuple[Any, str, str, str]],
    *,
    at: datetime,
    actor=None,
    job: str = "",
) -> int:
    """For set-based jobs: one event per ``(subject pk, from, to, reason)`` about rows of
    ``model``, without building an instance per row. Return how many were written."""
    subject_type_id = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    verb, job = str(verb), str(job)
    rows = [
        (subject_type_id, str(pk), verb, str(frm or ""), str(to or ""), actor_id, job,
         str(reason or ""), at, "{}")
        for pk, frm, to, reason in entries
    ]  # fmt: skip
    if bulk.copy_supported():
        return bulk.copy_rows(AuditEvent, COPY_COLUMNS, rows)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                subject_type_id=r[0], subject_id=r[1], verb=r[2], from_state=r[3], to_state=r[4],
                actor_id=r[5], job=r[6], reason=r[7], at=r[8], extra={},
            )
            for r in rows
        ],
        batch_size=2000,
    )  # fmt: skip
    return len(rows)


def history(subject: models.Model):
    """Events about ``subject``, newest first, with their actors."""
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
    ).select_related("actor")
