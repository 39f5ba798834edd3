"""Periodic lead jobs: expiry and reminders. Set-based, batched, idempotent."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from cosell.core import audit, effects, periodic
from opportunities import events, tasks
from opportunities.deals.choices import MARKETPLACE_LEAD_KEEP
from opportunities.leads.models import Lead

BATCH_SIZE = 500


def _batches(queryset, batch_size: int):
    """Lock one batch of due rows at a time. Rows a person holds (an accept in progress) are
    skipped; the row lock re-checks the status, so a row answered meanwhile is never picked."""
    while True:
        with transaction.atomic():
            batch = list(queryset.select_for_update(skip_locked=True)[:batch_size])
            if not batch:
                return
            yield batch
        if len(batch) < batch_size:
            return


@periodic.register("leads.expire")
def lead_expire_due(now: datetime, *, batch_size: int = BATCH_SIZE) -> int:
    """Expire every received lead whose time ran out by ``now`` and tell each sender.

    The guard is the one ``lead_accept`` checks (received, ``expires_at <= now``): a lead is
    either accepted or expired, never both. Running again for the same instant changes nothing.

    Per batch, in one transaction: one SELECT locks the due rows and reads what their webhook
    payloads show (values, not instances), one UPDATE expires them, one COPY writes their audit
    events and one their outbox rows, and one insert records the sender mails (one side effect
    per lead, run after commit in one task per batch).
    """
    due = (
        Lead.objects.filter(Lead.due_to_expire(now))
        .order_by("expires_at", "id")
        # The row lock re-checks the status, so a lead answered meanwhile is never picked;
        # rows a person holds (an accept in progress) are skipped.
        .select_for_update(of=("self",), skip_locked=True)
        .values(*events.LEAD_VALUES)
    )
    received, expired = str(Lead.Status.RECEIVED), str(Lead.Status.EXPIRED)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(due[:batch_size])
            if not batch:
                return total
            ids = [row["id"] for row in batch]
            Lead.objects.filter(pk__in=ids, status=received).update(status=expired)
            for row in batch:
                row["status"] = expired
            audit.bulk_record_many(
                Lead,
                "expired",
                ((pk, received, expired, "") for pk in ids),
                job="leads.expire",
                at=now,
            )
            events.emit_lead_values(
                "lead.expired", sorted(batch, key=lambda row: row["id"]), at=now
            )
            effects.queue_many(tasks.lead_notify_sender, ((pk, "expired") for pk in ids))
        total += len(ids)
        if len(batch) < batch_size:
            return total


@periodic.register("leads.remind")
def lead_remind_due(now: datetime, *, batch_size: int = BATCH_SIZE) -> int:
    """Remind the receiver of each received lead that expires within LEAD_REMINDER_HOURS, once
    (``reminded_at`` marks it)."""
    window = timedelta(hours=settings.LEAD_REMINDER_HOURS)
    due = Lead.objects.filter(
        status=Lead.Status.RECEIVED,
        reminded_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + window,
    ).order_by("expires_at", "id")
    total = 0
    for batch in _batches(due, batch_size):
        ids = [lead.pk for lead in batch]
        Lead.objects.filter(
            pk__in=ids, status=Lead.Status.RECEIVED, reminded_at__isnull=True
        ).update(reminded_at=now)
        audit.bulk_record(
            audit.build(lead, "reminded", job="leads.remind", at=now) for lead in batch
        )
        effects.queue_many(tasks.lead_notify_receiver, ((pk, "reminder") for pk in ids))
        total += len(ids)
    return total


@periodic.register("leads.archive_marketplace")
def lead_archive_marketplace_due(now: datetime, *, batch_size: int = BATCH_SIZE) -> int:
    """Archive marketplace leads that need no answer (get it now, free trial, test drive) once
    they are 6 months old: they leave the inbox; nothing else changes (no status move, no
    mail). Set-based, batched; running again for the same instant changes nothing."""
    due = Lead.objects.filter(
        source=Lead.Source.MARKETPLACE,
        needs_answer=False,
        archived_at__isnull=True,
        sent_at__lte=now - MARKETPLACE_LEAD_KEEP,
    ).order_by("sent_at", "id")
    total = 0
    for batch in _batches(due, batch_size):
        ids = [lead.pk for lead in batch]
        Lead.objects.filter(pk__in=ids, archived_at__isnull=True).update(archived_at=now)
        audit.bulk_record(
            audit.build(lead, "archived", job="leads.archive_marketplace", at=now) for lead in batch
        )
        total += len(ids)
    return total
