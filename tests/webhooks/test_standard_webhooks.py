"""Standard Webhooks: every real delivery verifies with the ``standardwebhooks`` package from
PyPI, unchanged; secrets are standard base64; old secrets keep their receivers working; a
rotation signs with both secrets for a day."""

import base64
import importlib
import secrets
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, transaction
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from cosell.core import clock
from cosell.core.models import AuditEvent
from cosell.webhooks import keys, outbox, services
from cosell.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "cosell.webhooks.migrations.0003_webhook_formats_standard_secrets"
)


def deliver(partner, django_capture_on_commit_callbacks, *, note="客户", at=None):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [event] = outbox.emit(
            event_type="lead.created",
            subject=partner,
            recipients={partner.pk: {"name": partner.name, "note": note}},
            at=at or clock.now(),
        )
    return event


def test_a_real_delivery_verifies_with_the_standardwebhooks_package(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    event = deliver(partner, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["id"] == str(event.pk) and payload["data"]["note"] == "客户"
    assert request.headers["webhook-id"] == str(event.pk)
    assert request.headers["webhook-timestamp"] == request.headers["Cosell-Timestamp"]
    assert request.headers["webhook-signature"].startswith("v1,")
    # The Cosell headers stay, with their own signature.
    assert request.signed_with(endpoint.secret)
    # A wrong secret, a changed body and a changed id all fail.
    with pytest.raises(WebhookVerificationError):
        Webhook(keys.generate_secret()).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"note", b"nota"), request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(
            request.body, {**request.headers, "webhook-id": "another-id"}
        )


def test_new_secrets_are_standard_base64_the_libraries_decode():
    for _ in range(300):
        secret = keys.generate_secret()
        assert secret.startswith("whsec_")
        raw = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        assert len(raw) == 32
        assert Webhook(secret)._whsecret == raw  # what the library signs with
        assert keys.is_standard(secret)


def legacy_secret_the_library_cannot_read() -> str:
    """A secret of the old shape (``whsec_`` + URL-safe base64) that ``standardwebhooks`` fails
    on: about a quarter of them were."""
    while True:
        secret = "whsec_" + secrets.token_urlsafe(32)
        try:
            Webhook(secret)
        except Exception:
            return secret


def test_the_migration_reencodes_old_secrets_and_old_receivers_keep_verifying(
    endpoint, receiver, partner, django_capture_on_commit_callbacks
):
    old = legacy_secret_the_library_cannot_read()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=old)

    migration.secrets_to_standard_base64(apps, None)
    migration.secrets_to_standard_base64(apps, None)  # a second run changes nothing

    endpoint.refresh_from_db()
    assert endpoint.legacy_secret == old
    assert endpoint.secret != old and keys.is_standard(endpoint.secret)
    assert keys.key_bytes(endpoint.secret) == base64.urlsafe_b64decode(old[6:] + "=")
    deliver(partner, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    # The receiver set up before changes nothing: Cosell-Signature is keyed with what it holds.
    assert request.signed_with(old)
    # The same key, written in the standard alphabet, verifies with the library, unchanged.
    Webhook(endpoint.secret).verify(request.body, request.headers)
    reencoded = "whsec_" + old[6:].replace("-", "+").replace("_", "/") + "="
    assert reencoded == endpoint.secret
    Webhook(reencoded).verify(request.body, request.headers)

    # Migrating back restores the old string.
    migration.secrets_back(apps, None)
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.legacy_secret) == (old, "")


def test_a_rotation_signs_with_both_secrets_for_a_day_then_only_the_new_one(
    endpoint, receiver, partner, partner_admin, django_capture_on_commit_callbacks
):
    old = endpoint.secret
    now = clock.now()
    rotated = services.endpoint_rotate_secret(endpoint_id=endpoint.pk, actor=partner_admin, now=now)
    new = rotated.secret
    assert new != old and keys.is_standard(new)
    assert rotated.previous_secret_expires_at == now + timedelta(hours=24)
    assert AuditEvent.objects.filter(verb="secret_rotated").count() == 1

    deliver(partner, django_capture_on_commit_callbacks, at=now)
    [during] = receiver.requests
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(during.body, during.headers)  # a receiver not switched yet
    Webhook(new).verify(during.body, during.headers)  # a receiver switched already
    assert during.signed_with(new)
    assert during.signed_with(old, header="Cosell-Signature-Previous")
    assert not during.signed_with(old)

    # A delivery whose attempt runs for an instant past the grace period.
    later = now + timedelta(hours=24, seconds=1)
    [event] = outbox.emit(
        event_type="lead.created",
        subject=partner,
        recipients={partner.pk: {"name": partner.name}},
        at=later,
    )
    [delivery_id] = services.outbox_dispatch(now=later)
    services.delivery_attempt(delivery_id=delivery_id, now=later)
    after = receiver.requests[-1]
    assert after.headers["webhook-id"] == str(event.pk)
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)
    assert "Cosell-Signature-Previous" not in after.headers


def test_a_rotation_without_grace_stops_the_old_secret_at_once(
    endpoint, receiver, partner, partner_admin, django_capture_on_commit_callbacks
):
    old = endpoint.secret
    rotated = services.endpoint_rotate_secret(
        endpoint_id=endpoint.pk, actor=partner_admin, now=clock.now(), keep_previous=False
    )
    deliver(partner, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    Webhook(rotated.secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body, request.headers)
    assert not request.signed_with(old)
    assert "Cosell-Signature-Previous" not in request.headers


def test_rotating_a_migrated_secret_keeps_the_old_receiver_for_a_day(
    endpoint, receiver, partner, partner_admin, django_capture_on_commit_callbacks
):
    old = legacy_secret_the_library_cannot_read()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=old)
    migration.secrets_to_standard_base64(apps, None)
    rotated = services.endpoint_rotate_secret(
        endpoint_id=endpoint.pk, actor=partner_admin, now=clock.now()
    )
    assert rotated.legacy_secret == "" and rotated.previous_secret == old
    deliver(partner, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    assert request.signed_with(rotated.secret)
    # The old receiver's string still verifies, in the previous-secret headers.
    assert request.signed_with(old, header="Cosell-Signature-Previous")
    Webhook(keys.standard_form(old)).verify(request.body, request.headers)
    Webhook(rotated.secret).verify(request.body, request.headers)


@pytest.mark.django_db(transaction=True)
def test_two_rotations_at_once_are_serialised(endpoint, partner_admin):
    """Two rotations race: the row lock makes them one after the other, so the second keeps the
    first one's secret as its previous one and no secret is lost in between."""
    original = endpoint.secret
    results, barrier = [], threading.Barrier(2)

    def rotate():
        try:
            barrier.wait(10)
            results.append(
                services.endpoint_rotate_secret(
                    endpoint_id=endpoint.pk, actor=partner_admin, now=clock.now()
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=rotate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    endpoint.refresh_from_db()
    [second] = [e for e in results if e.secret == endpoint.secret]  # the one that ran last
    [first] = [e for e in results if e is not second]
    # Without the lock both would have read the original secret as their previous one.
    assert (first.previous_secret, second.previous_secret) == (original, first.secret)
    assert AuditEvent.objects.filter(verb="secret_rotated").count() == 2
