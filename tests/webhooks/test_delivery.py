"""Delivery to a real receiver: signature, retries, give-up, 4xx, ordering, event ids."""

import itertools
import json
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction

from cosell.core import clock
from cosell.core.models import AuditEvent
from cosell.webhooks import outbox, services
from cosell.webhooks.models import DeliveryAttempt, OutboxEvent, WebhookDelivery

pytestmark = pytest.mark.django_db

T0 = clock.parse_instant("2026-12-01T09:00:00Z")


def emit(subject, partner_id, event_type="lead.created", at=None, **data):
    return outbox.emit(
        event_type=event_type,
        subject=subject,
        recipients={partner_id: {"name": subject.name, **data}},
        at=at or clock.now(),
    )


def run_dispatch(at) -> str:
    out = StringIO()
    call_command("run_periodic", "--at", at.isoformat(), "--job", "webhooks.dispatch", stdout=out)
    return out.getvalue()


def test_a_committed_event_is_posted_signed_with_the_documented_shape(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [event] = emit(partner, partner.pk, at=T0, note="客户")

    [request] = receiver.requests
    assert request.signed_with(endpoint.secret)
    assert not request.signed_with("whsec_wrong")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Cosell-Webhooks/1"
    assert request.event_id == str(event.pk)
    assert abs(int(request.headers["Cosell-Timestamp"]) - time.time()) < 60
    assert request.json == {
        "id": str(event.pk),
        "type": "lead.created",
        "created": "2026-12-01T09:00:00Z",
        "data": {"name": partner.name, "note": "客户"},
    }
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 1
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code == 200
    assert '"ok": true' in attempt.response_excerpt
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_rolled_back_change_sends_nothing(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emit(partner, partner.pk)
        raise RuntimeError("the change fails")
    assert not OutboxEvent.objects.exists()
    assert receiver.requests == []


def test_events_go_only_to_subscribed_active_endpoints_of_the_recipient_partner(
    endpoint, receiver, partner, other_partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emit(partner, partner.pk, event_type="offer.badge_changed")  # not subscribed
        emit(partner, other_partner.pk)  # another partner's event
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()
    assert OutboxEvent.objects.filter(dispatched_at__isnull=False).count() == 2


def test_500_then_200_retries_with_the_same_event_id(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        [event] = emit(partner, partner.pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code == 500
    first_retry = delivery.next_attempt_at
    assert first_retry > clock.now() + timedelta(seconds=25)

    # Not due yet: nothing happens.
    run_dispatch(first_retry - timedelta(seconds=1))
    assert len(receiver.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        run_dispatch(first_retry)
    assert [r.event_id for r in receiver.requests] == [str(event.pk)] * 2
    assert receiver.requests[0].json == receiver.requests[1].json
    assert all(r.signed_with(endpoint.secret) for r in receiver.requests)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 2
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [500, 200]

    # The job run again for the same instant changes nothing.
    run_dispatch(first_retry)
    assert len(receiver.requests) == 2


def test_backoff_grows_with_jitter_to_about_a_day():
    delays = [services.retry_delay(n) for n in range(1, 12)]
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))
    total = sum(delays, timedelta())
    assert timedelta(hours=15) < total < timedelta(hours=24)


def test_gives_up_after_the_limit_marks_the_endpoint_failing_and_mails_admins(
    endpoint, receiver, partner, partner_user, settings, django_capture_on_commit_callbacks
):
    settings.COSELL_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [503, 502, 500]
    with django_capture_on_commit_callbacks(execute=True):
        emit(partner, partner.pk)
    now = clock.now()
    for day in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            run_dispatch(now + timedelta(days=day))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.GAVE_UP
    assert delivery.attempts == 3
    assert delivery.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.failing
    assert endpoint.failing_since == now + timedelta(days=2)
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]  # admins only, not uma
    assert "failing" in message.subject
    assert endpoint.url in message.body
    assert AuditEvent.objects.filter(verb="failing").count() == 1

    # Nothing more is tried; a later success clears the mark.
    run_dispatch(now + timedelta(days=5))
    assert len(receiver.requests) == 3
    with django_capture_on_commit_callbacks(execute=True):
        emit(partner, partner.pk)
    endpoint.refresh_from_db()
    assert not endpoint.failing
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_a_4xx_stops_retries(
    status, endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    receiver.statuses = [status]
    with django_capture_on_commit_callbacks(execute=True):
        emit(partner, partner.pk)
    run_dispatch(clock.now() + timedelta(days=2))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_status_code == status
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried(
    status, endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    receiver.statuses = [status]
    with django_capture_on_commit_callbacks(execute=True):
        emit(partner, partner.pk)
    with django_capture_on_commit_callbacks(execute=True):
        run_dispatch(clock.now() + timedelta(hours=1))
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED
    assert len(receiver.requests) == 2


def test_a_dead_receiver_is_a_connection_error_that_is_retried(
    partner_admin, partner, allow_private, django_capture_on_commit_callbacks
):
    services.endpoint_create(
        partner=partner,
        actor=partner_admin,
        url="http://127.0.0.1:1/nobody-listens",
        events=["lead.created"],
        now=clock.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        emit(partner, partner.pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "Connection" in attempt.error or "refused" in attempt.error


def test_events_about_one_subject_are_never_sent_out_of_order(
    endpoint, receiver, partner, other_partner, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        [first] = emit(partner, partner.pk, event_type="lead.created")
    with django_capture_on_commit_callbacks(execute=True):
        [second] = emit(partner, partner.pk, event_type="lead.accepted")
        # Another subject is not held back.
        [elsewhere] = emit(other_partner, partner.pk, event_type="lead.created")
    assert [r.event_id for r in receiver.requests] == [str(first.pk), str(elsewhere.pk)]
    assert WebhookDelivery.objects.get(event=second).attempts == 0

    with django_capture_on_commit_callbacks(execute=True):
        run_dispatch(clock.now() + timedelta(hours=1))
    assert [r.event_id for r in receiver.requests] == [
        str(first.pk),
        str(elsewhere.pk),
        str(first.pk),
        str(second.pk),
    ]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_events_of_one_instant_keep_the_order_they_were_emitted_in(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        events = [
            emit(partner, partner.pk, event_type=kind, at=T0)[0]
            for kind in ("lead.created", "lead.accepted", "opportunity.updated")
        ]
    # Dispatch them all at once, newest delivery first in the queue: order still holds.
    created = services.outbox_dispatch(now=T0 + timedelta(minutes=1))
    assert len(created) == 3
    for delivery_id in reversed(created):
        services.delivery_attempt(delivery_id=delivery_id, now=T0 + timedelta(minutes=1))
    for delivery_id in created:
        services.delivery_attempt(delivery_id=delivery_id, now=T0 + timedelta(minutes=1))
    assert [r.event_id for r in receiver.requests] == [str(e.pk) for e in events]


def test_a_later_event_waits_while_an_earlier_one_is_not_dispatched(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        first, second = (
            emit(partner, partner.pk, event_type=kind, at=T0)[0]
            for kind in ("lead.created", "lead.accepted")
        )
    [delivery_id] = services.outbox_dispatch(now=T0, event_ids=[str(second.pk)])
    services.delivery_attempt(delivery_id=delivery_id, now=T0)
    assert receiver.requests == []
    services.outbox_dispatch(now=T0, event_ids=[str(first.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        run_dispatch(T0)
    assert [r.event_id for r in receiver.requests] == [str(first.pk), str(second.pk)]


def test_resend_sends_the_same_event_id_again(
    endpoint, receiver, partner, partner_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [event] = emit(partner, partner.pk)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(delivery_id=delivery.pk, actor=partner_admin, now=clock.now())
    assert [r.event_id for r in receiver.requests] == [str(event.pk)] * 2
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempt_log.count() == 2
    assert AuditEvent.objects.filter(verb="delivery_resent", actor=partner_admin).count() == 1


def test_an_inactive_endpoint_receives_nothing(
    endpoint, receiver, partner, partner_admin, django_capture_on_commit_callbacks
):
    services.endpoint_update(
        endpoint_id=endpoint.pk, actor=partner_admin, now=clock.now(), is_active=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        emit(partner, partner.pk)
    assert receiver.requests == []


def test_emit_many_writes_one_row_per_recipient_in_one_insert(
    partner, other_partner, django_assert_num_queries
):
    with django_assert_num_queries(1):
        events = outbox.emit_many(
            event_type="lead.expired",
            items=[
                (partner, {partner.pk: {"n": 1}, other_partner.pk: {"n": 2}}),
                (other_partner, {other_partner.pk: {"n": 3}}),
            ],
            at=T0,
        )
    assert len(events) == 3
    assert {(e.partner_id, e.subject_id) for e in OutboxEvent.objects.all()} == {
        (partner.pk, str(partner.pk)),
        (other_partner.pk, str(partner.pk)),
        (other_partner.pk, str(other_partner.pk)),
    }
    assert {e.subject_type for e in events} == {"partners.partner"}


def test_emit_refuses_an_unknown_event_type(partner):
    with pytest.raises(ValueError, match="unknown event type"):
        outbox.emit(event_type="lead.exploded", subject=partner, recipients={}, at=T0)


@pytest.mark.django_db(transaction=True)
def test_a_locked_delivery_is_skipped_by_a_second_worker(endpoint, receiver, partner):
    """Two workers: the one holding the row sends; the other finds nothing to do."""
    emit(partner, partner.pk, at=T0)  # autocommit: the broker task ran and delivered
    [event] = OutboxEvent.objects.all()
    delivery = WebhookDelivery.objects.get(event=event)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=T0)
    sent_before = len(receiver.requests)

    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        assert services.delivery_attempt(delivery_id=delivery.pk, now=T0) is None
    finally:
        release.set()
        thread.join()
    assert len(receiver.requests) == sent_before
    assert services.delivery_attempt(delivery_id=delivery.pk, now=T0).status == "succeeded"
    assert len(receiver.requests) == sent_before + 1
    assert json.loads(receiver.requests[-1].body)["id"] == str(event.pk)
