""" "Send a test event": a signed ping to one endpoint only, through the usual delivery; and the
webhooks guide as a page of the portal."""

import pytest
from django.urls import reverse

from cosell.core import clock
from cosell.core.models import AuditEvent
from cosell.webhooks import services
from cosell.webhooks.models import OutboxEvent, WebhookDelivery

pytestmark = pytest.mark.django_db


def test_a_test_event_reaches_this_endpoint_only_signed(
    partner_admin, partner, endpoint, receiver, client_for, django_capture_on_commit_callbacks
):
    other = services.endpoint_create(
        partner=partner,
        actor=partner_admin,
        url=receiver.url + "&other=1",
        events=["lead.created"],
        now=clock.now(),
    )
    client = client_for(partner_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:send_test", args=[endpoint.pk]))
    assert response.status_code == 302
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.json["type"] == "ping"
    assert request.json["data"]["endpoint_id"] == endpoint.pk
    assert request.signed_with(endpoint.secret)
    delivery = WebhookDelivery.objects.get(event__type="ping")
    assert delivery.endpoint == endpoint and delivery.status == "succeeded"
    assert not WebhookDelivery.objects.filter(endpoint=other).exists()
    # Already dispatched: the periodic fan-out never sends it to another endpoint.
    assert OutboxEvent.objects.get(type="ping").dispatched_at is not None
    assert services.outbox_dispatch(now=clock.now()) == []
    assert AuditEvent.objects.filter(verb="test_sent", actor=partner_admin).exists()
    page = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert "Test event" in page and "Send a test event" in page


def test_an_inactive_endpoint_gets_no_test_event(partner_admin, endpoint, client_for):
    services.endpoint_update(
        endpoint_id=endpoint.pk, actor=partner_admin, now=clock.now(), is_active=False
    )
    response = client_for(partner_admin).post(
        reverse("webhooks:send_test", args=[endpoint.pk]), follow=True
    )
    assert "inactive" in response.content.decode()
    assert not WebhookDelivery.objects.exists()


def test_test_events_are_for_the_partners_own_admins(
    endpoint, partner_user, other_partner_admin, client_for
):
    url = reverse("webhooks:send_test", args=[endpoint.pk])
    assert client_for(partner_user).post(url).status_code == 403
    assert client_for(other_partner_admin).post(url).status_code == 404
    assert client_for(other_partner_admin).get(url).status_code in (404, 405)
    assert not WebhookDelivery.objects.exists()


def test_the_guide_is_a_page_of_the_portal(partner_admin, partner_user, client_for):
    page = client_for(partner_admin).get(reverse("webhooks:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cosell-Signature" in html and "&lt;timestamp&gt;" in html
    listing = client_for(partner_admin).get(reverse("webhooks:list")).content.decode()
    assert reverse("webhooks:docs") in listing and "docs/webhooks.md" not in listing
    assert client_for(partner_user).get(reverse("webhooks:docs")).status_code == 403
