import pytest
from django.urls import reverse

from cosell.core import clock
from cosell.webhooks import outbox
from cosell.webhooks.models import DeliveryAttempt, OutboxEvent, WebhookDelivery

pytestmark = pytest.mark.django_db


def test_admin_pages_render_and_never_show_the_secret(
    admin_user, endpoint, partner, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.emit(
            event_type="lead.created", subject=partner, recipients={partner.pk: {}}, at=clock.now()
        )
    client = client_for(admin_user)
    delivery = WebhookDelivery.objects.get()
    pages = [
        reverse("admin:webhooks_webhookendpoint_changelist"),
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        reverse("admin:webhooks_webhookdelivery_changelist") + "?status=succeeded",
        reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]),
        reverse("admin:webhooks_outboxevent_changelist") + "?q=lead",
        reverse("admin:webhooks_outboxevent_change", args=[OutboxEvent.objects.get().pk]),
        reverse("admin:webhooks_deliveryattempt_changelist"),
        reverse("admin:webhooks_deliveryattempt_change", args=[DeliveryAttempt.objects.get().pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert endpoint.secret not in response.content.decode(), url


def test_admin_changes_the_event_format_through_the_service(admin_user, endpoint, client_for):
    from cosell.core.models import AuditEvent

    client = client_for(admin_user)
    url = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    refused = client.post(
        url, {"event_format": "partner_center", "events": '["lead.created"]', "is_active": "on"}
    )
    assert refused.status_code == 200
    assert "Unknown event for the format" in refused.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.event_format == "cosell"
    saved = client.post(
        url,
        {"event_format": "partner_center", "events": '["referral-updated"]', "is_active": "on"},
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.event_format, endpoint.events) == ("partner_center", ["referral-updated"])
    assert AuditEvent.objects.filter(verb="updated", actor=admin_user).exists()
