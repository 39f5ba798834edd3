"""Deliveries that cannot hang: a hard deadline per attempt, an interrupted attempt counted and
backed off, no lock held during the POST, and the next event for a subject sent right away."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from billiard.exceptions import SoftTimeLimitExceeded
from django.db import connection, transaction

from cosell.core import clock
from cosell.webhooks import net, outbox, services
from cosell.webhooks.models import WebhookDelivery

T0 = clock.parse_instant("2026-12-01T09:00:00Z")


def emit(subject, partner_id, event_type="lead.created", at=T0):
    return outbox.emit(
        event_type=event_type,
        subject=subject,
        recipients={partner_id: {"name": subject.name}},
        at=at,
    )


@pytest.fixture
def slow_drip():
    """A receiver that reads the request, then answers one byte every 0.2 s, for up to 30 s:
    every read finishes well within the per-operation timeout, the answer never does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 1000
                deadline = time.monotonic() + 30
                for byte in answer:
                    if stop.is_set() or time.monotonic() > deadline:
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break
                    stop.wait(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/slow"
    stop.set()
    thread.join(timeout=5)
    server.close()


@pytest.mark.django_db
def test_a_slow_drip_receiver_cannot_hold_an_attempt_past_its_deadline(
    partner, partner_admin, allow_private, slow_drip, settings
):
    settings.COSELL_WEBHOOK_DEADLINE_SECONDS = 1
    settings.COSELL_WEBHOOK_TIMEOUT_SECONDS = 5
    services.endpoint_create(
        partner=partner, actor=partner_admin, url=slow_drip, events=["lead.created"], now=T0
    )
    with transaction.atomic():
        emit(partner, partner.pk)
    [delivery_id] = services.outbox_dispatch(now=T0)
    started = time.monotonic()
    delivery = services.delivery_attempt(delivery_id=delivery_id, now=T0)
    assert time.monotonic() - started < 2.5
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at >= T0 + timedelta(seconds=30)
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "deadline exceeded" in attempt.error
    assert attempt.duration_ms < 2500


def test_the_deadline_holds_for_a_bare_post(slow_drip):
    target = net.Target(
        scheme="http",
        host="127.0.0.1",
        port=int(slow_drip.rsplit(":", 1)[1].split("/")[0]),
        path="/slow",
        address="127.0.0.1",
    )
    started = time.monotonic()
    response = net.post(target, b"{}", {}, timeout=5, deadline=0.5)
    assert time.monotonic() - started < 1.5
    assert response.status_code is None and response.error.startswith("deadline exceeded")


@pytest.mark.django_db
def test_an_attempt_killed_by_the_time_limit_counts_and_backs_off(
    endpoint, receiver, partner, monkeypatch
):
    with transaction.atomic():
        emit(partner, partner.pk)
    [delivery_id] = services.outbox_dispatch(now=T0)

    def killed(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(net, "post", killed)
    with pytest.raises(SoftTimeLimitExceeded):
        services.delivery_attempt(delivery_id=delivery_id, now=T0)
    monkeypatch.undo()

    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at >= T0 + timedelta(seconds=30)
    assert delivery.attempt_log.get().error == services.INTERRUPTED
    # Not re-sent at every tick: the next periodic runs leave it alone until its back-off ends.
    assert services.delivery_attempt(delivery_id=delivery_id, now=T0 + timedelta(seconds=5)) is None
    assert receiver.requests == []
    delivery = services.delivery_attempt(delivery_id=delivery_id, now=delivery.next_attempt_at)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempts == 2
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_the_next_event_for_a_subject_goes_out_as_soon_as_the_previous_is_delivered(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        [first] = emit(partner, partner.pk, "lead.created", at=T0)
    [first_delivery] = services.outbox_dispatch(now=T0)
    # The second event is dispatched while the first attempt (queued for T0) is on its way.
    with transaction.atomic():
        [second] = emit(partner, partner.pk, "lead.accepted", at=T0 + timedelta(seconds=3))
    services.outbox_dispatch(now=T0 + timedelta(seconds=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_attempt(delivery_id=first_delivery, now=T0)
    # Sent by the chained attempt, not by a later periodic run.
    assert [r.event_id for r in receiver.requests] == [str(first.pk), str(second.pk)]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


@pytest.mark.django_db(transaction=True)
def test_no_row_lock_or_transaction_is_held_during_the_post(
    endpoint, receiver, partner, monkeypatch
):
    emit(partner, partner.pk)  # autocommit: delivered right away
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=T0)
    seen = {}
    real_post = net.post

    def post_and_look(*args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block

        def other_connection():
            try:
                with transaction.atomic():
                    WebhookDelivery.objects.select_for_update(nowait=True).get(pk=delivery.pk)
                seen["row_free"] = True
            except Exception as exc:
                seen["row_free"] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join(timeout=10)
        return real_post(*args, **kwargs)

    monkeypatch.setattr(net, "post", post_and_look)
    assert services.delivery_attempt(delivery_id=delivery.pk, now=T0).status == "succeeded"
    assert seen == {"in_transaction": False, "row_free": True}
