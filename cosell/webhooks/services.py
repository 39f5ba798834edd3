"""Writes about webhooks: fanning the outbox out, delivery attempts, re-sends (endpoints
themselves: ``endpoints``, re-exported here)."""

import logging
import random
import time
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cosell.core import audit, effects

from . import formats, net, signing
from .endpoints import (  # noqa: F401  (re-exported: the services of the app)
    MAX_ENDPOINTS_PER_PARTNER,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_update,
)
from .models import (
    RESPONSE_EXCERPT_CHARS,
    DeliveryAttempt,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from .outbox import publish

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429})
Status = WebhookDelivery.Status


def max_attempts() -> int:
    return max(1, int(getattr(settings, "COSELL_WEBHOOK_MAX_ATTEMPTS", 12)))


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter after ``attempts`` failed attempts.

    With the defaults (30 s base, 12 attempts) the last retry falls 17 to 21 hours after the
    first attempt.
    """
    base = int(getattr(settings, "COSELL_WEBHOOK_RETRY_BASE_SECONDS", 30))
    delay = min(base * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=delay + random.uniform(0, delay / 4))


# Fan-out and delivery


def outbox_dispatch(
    *, now: datetime, event_ids: list[str] | None = None, limit: int = 500
) -> list[int]:
    """Turn undispatched outbox events into deliveries to their partner's subscribed, active
    endpoints, and queue those after commit. Returns the new deliveries' ids.

    Races: rows are taken with ``SKIP LOCKED`` and marked dispatched in the same transaction, so
    two dispatchers never fan one event out twice (the unique (event, endpoint) constraint
    backs this up). An event taken by one dispatcher is skipped by the other, which may thus
    dispatch a later event about the same subject first: ``delivery_attempt`` holds a delivery
    back while an earlier event about its subject is undispatched.
    """
    with transaction.atomic():
        pending = OutboxEvent.objects.filter(dispatched_at__isnull=True)
        if event_ids is not None:
            pending = pending.filter(pk__in=event_ids)
        events = list(
            pending.select_for_update(skip_locked=True).order_by("created_at", "id")[:limit]
        )
        if not events:
            return []
        endpoints = defaultdict(list)
        for endpoint in WebhookEndpoint.objects.filter(
            partner_id__in={event.partner_id for event in events}, is_active=True
        ):
            endpoints[endpoint.partner_id].append(endpoint)
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now)
                for event in events
                for endpoint in endpoints[event.partner_id]
                if formats.subscribed(endpoint, event)
            ]
        )
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=now)
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: queue_deliveries(ids, now), robust=True)
    return ids


def queue_deliveries(delivery_ids: list[int], now: datetime | None = None) -> int:
    """Queue one attempt task per delivery; never raises. Returns how many were queued."""
    from . import tasks

    at = now.isoformat() if now is not None else None
    return sum(publish(tasks.delivery_attempt, pk, at) for pk in delivery_ids)


def queue_due_for_endpoint(endpoint_id: int, now: datetime) -> None:
    ids = list(
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, status=Status.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:1000]
    )
    queue_deliveries(ids, now)


def _earlier_than(event: OutboxEvent, prefix: str = "") -> Q:
    return Q(**{f"{prefix}created_at__lt": event.created_at}) | Q(
        **{f"{prefix}created_at": event.created_at, f"{prefix}id__lt": event.pk}
    )


def _waits_for_earlier(delivery: WebhookDelivery) -> bool:
    """Whether an earlier event about the same subject still has to reach this endpoint."""
    event, endpoint = delivery.event, delivery.endpoint
    same_subject = {"subject_type": event.subject_type, "subject_id": event.subject_id}
    earlier_delivery = (
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint.pk,
            status=Status.PENDING,
            **{f"event__{key}": value for key, value in same_subject.items()},
        )
        .filter(_earlier_than(event, "event__"))
        .exclude(pk=delivery.pk)
    )
    earlier_undispatched = OutboxEvent.objects.filter(
        partner_id=endpoint.partner_id,
        dispatched_at__isnull=True,
        type__in=formats.source_types(endpoint),
        **same_subject,
    ).filter(_earlier_than(event))
    return earlier_delivery.exists() or earlier_undispatched.exists()


def _next_for_subject(delivery: WebhookDelivery, now: datetime) -> list[int]:
    """The delivery that waited for this one, made due at ``now``: it goes out right away, not
    at the next periodic run (it may have been dispatched after the instant this attempt runs
    for)."""
    event = delivery.event
    following = list(
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            status=Status.PENDING,
            event__subject_type=event.subject_type,
            event__subject_id=event.subject_id,
        )
        .order_by("event__created_at", "event_id")
        .values_list("pk", "attempts")[:1]
    )
    if not following:
        return []
    [(pk, attempts)] = following
    if attempts == 0:
        WebhookDelivery.objects.filter(pk=pk, next_attempt_at__gt=now).update(next_attempt_at=now)
    return [pk]


INTERRUPTED = "interrupted: no result was recorded (worker stopped or time limit)"


def deadline_seconds() -> float:
    return float(getattr(settings, "COSELL_WEBHOOK_DEADLINE_SECONDS", 10))


def _claim(delivery_id: int, now: datetime):
    """Take a due delivery for one attempt and commit: (delivery, attempt row), (delivery, None)
    when it waits for an earlier event, or None when it is not ours to do.

    The claim counts the attempt and backs it off before anything is sent, and its attempt row
    says it was interrupted until the result replaces that: a worker killed mid-POST (time
    limit, ``kill -9``) leaves a failed attempt that is retried later like any other, never a
    delivery re-sent at every tick."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None or not delivery.endpoint.is_active:
            return None
        if _waits_for_earlier(delivery):
            return delivery, None
        if delivery.attempts >= max_attempts():
            # Its last attempt was interrupted: nothing more to try.
            delivery.status, delivery.next_attempt_at = Status.GAVE_UP, None
            delivery.save(update_fields=["status", "next_attempt_at"])
            _endpoint_mark_failing(delivery.endpoint, delivery, now)
            return delivery, None
        delivery.attempts += 1
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        attempt = DeliveryAttempt.objects.create(delivery=delivery, at=now, error=INTERRUPTED)
    return delivery, attempt


def _send(delivery: WebhookDelivery, now: datetime) -> tuple[net.Response, bool]:
    """The POST, outside any transaction; (response, refused)."""
    event, endpoint = delivery.event, delivery.endpoint
    try:
        raw_body = formats.body(event, endpoint.event_format)
    except LookupError as exc:  # the endpoint changed format after the fan-out
        return net.Response(status_code=None, body=b"", error=str(exc), duration_ms=0), True
    # The receiver checks the timestamp against its own clock: it is the real time of the
    # request, whatever instant the job runs for.
    timestamp = int(time.time())
    try:
        target = net.resolve(endpoint.url)
    except net.UnsafeTarget as exc:
        return net.Response(status_code=None, body=b"", error=str(exc), duration_ms=0), True
    response = net.post(
        target,
        raw_body,
        signing.delivery_headers(endpoint, event, raw_body, timestamp, now),
        timeout=float(getattr(settings, "COSELL_WEBHOOK_TIMEOUT_SECONDS", 5)),
        deadline=deadline_seconds(),
    )
    return response, False


def delivery_attempt(*, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Make one attempt of a due delivery and record it; returns None when it is not ours to do.

    Claim, commit, send, record: no row lock or transaction is held during the POST, which has
    a hard total deadline (``COSELL_WEBHOOK_DEADLINE_SECONDS``). Races: the claim takes the row
    with ``SKIP LOCKED`` and moves ``next_attempt_at`` past ``now`` before committing, so a
    second worker finds nothing due. Only pending, due deliveries of active endpoints are
    attempted, and never while an earlier event about the same subject is still on its way to
    the same endpoint (an attempt in flight keeps its delivery pending, so the later one waits).
    """
    claimed = _claim(delivery_id, now)
    if claimed is None:
        return None
    delivery, attempt = claimed
    if attempt is None:
        return delivery
    response, refused = _send(delivery, now)
    return _record(delivery, attempt, response, refused, now)


def _record(delivery, attempt, response: net.Response, refused: bool, now: datetime):
    attempt.status_code = response.status_code
    attempt.duration_ms = response.duration_ms
    attempt.response_excerpt = response.body.decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]
    attempt.error = response.error[:500]
    code = response.status_code
    with transaction.atomic():
        attempt.save(update_fields=["status_code", "duration_ms", "response_excerpt", "error"])
        current = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("event", "endpoint")
            .get(pk=delivery.pk)
        )
        if current.status != Status.PENDING or current.attempts != delivery.attempts:
            return current  # re-sent or changed meanwhile: the attempt is logged, no more
        delivery = current
        delivery.last_status_code = code
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.next_attempt_at = Status.SUCCEEDED, None
        elif refused or (code is not None and code < 500 and code not in RETRYABLE_STATUS):
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
        elif delivery.attempts >= max_attempts():
            delivery.status, delivery.next_attempt_at = Status.GAVE_UP, None
        # else: retried at the time the claim backed it off to.
        delivery.save(update_fields=["last_status_code", "next_attempt_at", "status"])

        endpoint = delivery.endpoint
        if delivery.status == Status.SUCCEEDED and endpoint.failing:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing=False, failing_since=None)
            audit.record(endpoint, "recovered", job="webhooks.delivery", at=now)
        elif delivery.status == Status.GAVE_UP:
            _endpoint_mark_failing(endpoint, delivery, now)
        if delivery.is_finished:
            following = _next_for_subject(delivery, now)
            if following:
                transaction.on_commit(lambda: queue_deliveries(following, now), robust=True)
    return delivery


def _endpoint_mark_failing(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime
) -> None:
    """Mark the endpoint failing; its partner's admins are mailed when it starts failing."""
    started = WebhookEndpoint.objects.filter(pk=endpoint.pk, failing=False).update(
        failing=True, failing_since=now
    )
    if not started:
        return
    audit.record(
        endpoint,
        "failing",
        job="webhooks.delivery",
        at=now,
        reason=_("Delivery %(id)s gave up after %(attempts)d attempts.")
        % {"id": delivery.pk, "attempts": delivery.attempts},
    )
    from . import tasks

    effects.queue(tasks.endpoint_notify_failing, endpoint.pk, delivery.pk)


def delivery_resend(*, delivery_id: int, actor, now: datetime) -> WebhookDelivery:
    """Send a finished delivery again, with the same event id and a fresh set of attempts.

    A pending delivery is already on its way and is returned unchanged.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=delivery_id)
        )
        if delivery.status == Status.PENDING:
            return delivery
        before = delivery.status
        delivery.status, delivery.attempts, delivery.next_attempt_at = Status.PENDING, 0, now
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit.record(
            delivery.endpoint,
            "delivery_resent",
            frm=before,
            to=Status.PENDING,
            actor=actor,
            at=now,
            extra={"delivery_id": delivery.pk, "event_id": str(delivery.event_id)},
        )
        transaction.on_commit(lambda: queue_deliveries([delivery.pk], now), robust=True)
    return delivery


def deliveries_due(
    *, now: datetime, exclude: Collection[int] = frozenset(), limit: int = 5000
) -> int:
    """Queue an attempt for every pending delivery due at ``now``; returns how many."""
    ids = [
        pk
        for pk in WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
        if pk not in exclude
    ]
    return queue_deliveries(ids, now)
