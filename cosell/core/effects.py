"""The one way a service queues a side effect.

Mail to people, a status re-evaluation, the lead mails, member invitations: whatever must not be
lost when the broker is down or a worker dies is recorded with the change, in its transaction:

    effects.queue(tasks.lead_notify_sender, lead.pk, "accepted")

A ``PendingEffect`` row commits or rolls back with the change. After commit it is published to
the broker; publishing never raises into the caller (a request whose change committed answers
as usual with Redis down). The worker claims the row, runs the task's function and marks the row
done, so a receiver gets each mail once. What the broker did not take, or a worker did not finish,
the periodic job ``effects.deliver`` publishes again: after a crash between sending and marking,
the mail goes out a second time and says it may be a duplicate (``is_redelivery``).

Failures back off in the table (not in Celery's retries, which live in the broker) and give up
after ``COSELL_EFFECT_MAX_ATTEMPTS``.

Webhook deliveries have their own outbox (``cosell.webhooks.outbox``) and use ``publish`` here.
"""

import contextvars
import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from . import bulk, clock
from .models import PendingEffect

log = logging.getLogger(__name__)

# Publishing runs after commit, in the request: fail fast when Redis is away, the periodic job
# delivers what was not published.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# A fresh effect is published right after commit; the periodic job leaves it alone this long.
PUBLISH_GRACE = timedelta(seconds=60)
PUBLISH_CHUNK = 200
Status = PendingEffect.Status

_redelivery: contextvars.ContextVar[bool] = contextvars.ContextVar("redelivery", default=False)


def publish(task, *args, **kwargs) -> bool:
    """Queue ``task`` without ever raising into the caller; say whether it was queued."""
    try:
        task.apply_async(
            args=list(args), kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception:
        log.warning("could not queue %s%r; the periodic job will", task.name, args, exc_info=True)
        return False
    return True


def _claim_seconds() -> int:
    # Longer than a task may run: a claim that outlives it belongs to a worker that died.
    return int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 360)) + 60


def max_attempts() -> int:
    return max(1, int(getattr(settings, "COSELL_EFFECT_MAX_ATTEMPTS", 10)))


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _publish_after_commit(ids: list[int]) -> None:
    def send():
        from . import tasks

        for start in range(0, len(ids), PUBLISH_CHUNK):
            chunk = ids[start : start + PUBLISH_CHUNK]
            if len(chunk) == 1:
                publish(tasks.effect_run, chunk[0])
            else:
                publish(tasks.effects_run, chunk)

    if ids:
        transaction.on_commit(send, robust=True)


def queue(task, *args, **kwargs) -> PendingEffect:
    """Record ``task(*args, **kwargs)`` in the current transaction; run it after commit.

    Arguments are JSON values (primary keys, codes), never model instances.
    """
    now = clock.now()
    effect = PendingEffect.objects.create(
        task=task.name,
        args=list(args),
        kwargs=kwargs,
        created_at=now,
        next_try_at=now + PUBLISH_GRACE,
    )
    _publish_after_commit([effect.pk])
    return effect


EFFECT_COLUMNS = (
    "id",
    "task",
    "args",
    "kwargs",
    "status",
    "created_at",
    "next_try_at",
    "attempts",
    "last_error",
)


def queue_many(task, arguments: Iterable[tuple | list]) -> list[int]:
    """``queue`` for set-based jobs: one row per argument tuple, one insert, one message.

    On PostgreSQL the rows are streamed with COPY (``bulk.copy_rows``), their ids drawn from
    the table's sequence first; elsewhere ``bulk_create``."""
    now = clock.now()
    rows = [list(args) for args in arguments]
    if not rows:
        return []
    if bulk.copy_supported():
        table = PendingEffect._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        pending, due = str(Status.PENDING), now + PUBLISH_GRACE
        bulk.copy_rows(
            PendingEffect,
            EFFECT_COLUMNS,
            (
                (pk, task.name, json.dumps(args), "{}", pending, now, due, 0, "")
                for pk, args in zip(ids, rows, strict=True)
            ),
        )
    else:
        effects = PendingEffect.objects.bulk_create(
            PendingEffect(
                task=task.name, args=args, created_at=now, next_try_at=now + PUBLISH_GRACE
            )
            for args in rows
        )
        ids = [effect.pk for effect in effects]
    _publish_after_commit(ids)
    return ids


def is_redelivery() -> bool:
    """Whether the effect running now may have run before (mail says it may be a duplicate)."""
    return _redelivery.get()


def _claim(effect_id: int, now: datetime) -> PendingEffect | None:
    """Take the effect for one attempt: pending, never tried or due again, and not held by
    another worker (``SKIP LOCKED``). The claim commits before the work starts, so no lock or
    transaction is held while mail goes out."""
    with transaction.atomic():
        effect = (
            PendingEffect.objects.select_for_update(skip_locked=True)
            .filter(pk=effect_id, status=Status.PENDING)
            .first()
        )
        if effect is None or (effect.attempts > 0 and effect.next_try_at > now):
            return None
        effect.attempts += 1
        effect.next_try_at = now + timedelta(seconds=_claim_seconds())
        effect.save(update_fields=["attempts", "next_try_at"])
    return effect


def _resolve(name: str):
    from cosell import celery_app

    return celery_app.tasks[name]


def run(effect_id: int, now: datetime | None = None) -> str:
    """Run one effect if it is ours to run; returns what became of it."""
    now = now or clock.now()
    effect = _claim(effect_id, now)
    if effect is None:
        return "skipped"
    token = _redelivery.set(effect.attempts > 1)
    try:
        task = _resolve(effect.task)
        # The task's own function: retries live in this table, not in the broker.
        getattr(task, "_orig_run", task.run)(*effect.args, **effect.kwargs)
    except Exception as exc:
        gave_up = effect.attempts >= max_attempts()
        log.warning(
            "side effect %s %s failed (attempt %d)%s",
            effect.pk,
            effect.task,
            effect.attempts,
            "; giving up" if gave_up else "",
            exc_info=True,
        )
        PendingEffect.objects.filter(pk=effect.pk, status=Status.PENDING).update(
            status=Status.GAVE_UP if gave_up else Status.PENDING,
            next_try_at=now + retry_delay(effect.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return str(Status.GAVE_UP) if gave_up else "retry"
    finally:
        _redelivery.reset(token)
    PendingEffect.objects.filter(pk=effect.pk, status=Status.PENDING).update(
        status=Status.DONE, done_at=clock.now(), last_error=""
    )
    return str(Status.DONE)


def deliver_due(now: datetime, *, limit: int = 5000) -> int:
    """Publish every pending effect due at ``now`` (not taken by the broker, its worker gone, or
    its back-off over). Returns how many were published."""
    ids = list(
        PendingEffect.objects.filter(status=Status.PENDING, next_try_at__lte=now)
        .order_by("next_try_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    from . import tasks

    at = now.isoformat()
    published = 0
    for start in range(0, len(ids), PUBLISH_CHUNK):
        chunk = ids[start : start + PUBLISH_CHUNK]
        if publish(tasks.effects_run, chunk, at):
            published += len(chunk)
    return published
