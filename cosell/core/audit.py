"""The audit trail: every state change writes one event in its own transaction."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


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
    return AuditEvent.objects.bulk_create(list(events), batch_size=batch_size)


def history(subject: models.Model):
    """Events about ``subject``, newest first, with their actors."""
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
    ).select_related("actor")
