"""Webhooks in the browser: partner admins only, their own partner's endpoints only."""

import pytest
from django.urls import reverse

from cosell.core import clock
from cosell.core.models import AuditEvent
from cosell.webhooks import outbox
from cosell.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_admin_registers_an_endpoint_and_sees_the_secret_once(
    partner_admin, receiver, allow_private, client_for
):
    client = client_for(partner_admin)
    assert client.get(reverse("webhooks:create")).status_code == 200
    response = client.post(
        reverse("webhooks:create"),
        {"url": receiver.url, "events": ["lead.created", "lead.accepted"], "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.partner == partner_admin.partner
    assert endpoint.events == ["lead.accepted", "lead.created"]
    assert endpoint.created_by == partner_admin
    assert endpoint.secret in response.content.decode()
    again = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in again
    assert endpoint.secret not in client.get(reverse("webhooks:list")).content.decode()
    assert AuditEvent.objects.filter(verb="created", actor=partner_admin).exists()


def test_registration_refuses_a_private_address_with_a_form_error(
    partner_admin, client_for, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = client_for(partner_admin).post(
        reverse("webhooks:create"),
        {"url": "http://169.254.169.254/latest", "events": ["lead.created"]},
    )
    assert response.status_code == 400
    assert "public addresses" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_admin_edits_events_and_active_flag(partner_admin, endpoint, client_for):
    response = client_for(partner_admin).post(
        reverse("webhooks:update", args=[endpoint.pk]), {"events": ["offer.badge_changed"]}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["offer.badge_changed"]
    assert not endpoint.is_active


def test_edit_without_events_shows_the_error(partner_admin, endpoint, client_for):
    response = client_for(partner_admin).post(
        reverse("webhooks:update", args=[endpoint.pk]), {"is_active": "on"}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_delete_asks_for_confirmation_first(partner_admin, endpoint, client_for):
    client = client_for(partner_admin)
    page = client.get(reverse("webhooks:delete", args=[endpoint.pk]))
    assert page.status_code == 200
    assert WebhookEndpoint.objects.exists()
    assert client.post(reverse("webhooks:delete", args=[endpoint.pk])).status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_with_attempts_are_shown_and_can_be_resent(
    partner_admin,
    partner,
    endpoint,
    receiver,
    client_for,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        for subject in (partner, partner_admin, partner_admin.membership):
            outbox.emit(
                event_type="lead.created",
                subject=subject,
                recipients={partner.pk: {}},
                at=clock.now(),
            )
    client = client_for(partner_admin)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert page.count("Lead created") >= 3
    assert "500" in page
    failed = WebhookDelivery.objects.filter(status="succeeded").first()
    assert failed is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:resend", args=[endpoint.pk, failed.pk]))
    assert response.status_code == 302
    assert receiver.requests[-1].event_id == str(failed.event_id)


def test_the_nav_shows_webhooks_to_partner_admins_only(partner_admin, partner_user, client_for):
    link = reverse("webhooks:list")
    assert link in client_for(partner_admin).get(reverse("members")).content.decode()
    assert link not in client_for(partner_user).get(reverse("members")).content.decode()


def _pages(endpoint, delivery):
    return [
        ("get", reverse("webhooks:detail", args=[endpoint.pk])),
        ("post", reverse("webhooks:update", args=[endpoint.pk])),
        ("get", reverse("webhooks:delete", args=[endpoint.pk])),
        ("post", reverse("webhooks:delete", args=[endpoint.pk])),
        ("post", reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])),
    ]


@pytest.fixture
def delivery(endpoint, partner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.emit(
            event_type="lead.created", subject=partner, recipients={partner.pk: {}}, at=clock.now()
        )
    return WebhookDelivery.objects.get()


def test_another_partners_admin_gets_404_everywhere(
    endpoint, delivery, other_partner_admin, client_for
):
    client = client_for(other_partner_admin)
    assert endpoint.url not in client.get(reverse("webhooks:list")).content.decode()
    for method, url in _pages(endpoint, delivery):
        assert getattr(client, method)(url).status_code == 404, url
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_resend_of_another_endpoints_delivery_is_404(
    endpoint, delivery, partner_admin, receiver, client_for
):
    from cosell.webhooks import services

    second = services.endpoint_create(
        partner=partner_admin.partner,
        actor=partner_admin,
        url=receiver.url,
        events=["lead.created"],
        now=clock.now(),
    )
    url = reverse("webhooks:resend", args=[second.pk, delivery.pk])
    assert client_for(partner_admin).post(url).status_code == 404


@pytest.mark.parametrize("persona", ["partner_user", "seller", "admin_user"])
def test_people_other_than_partner_admins_get_403(persona, endpoint, delivery, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("webhooks:list")).status_code == 403
    assert client.get(reverse("webhooks:create")).status_code == 403
    for method, url in _pages(endpoint, delivery):
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_is_sent_to_login(db, client):
    response = client.get(reverse("webhooks:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_admin_registers_a_partner_center_endpoint(
    partner_admin, receiver, allow_private, client_for
):
    client = client_for(partner_admin)
    page = client.get(reverse("webhooks:create")).content.decode()
    assert "referral-created" in page and "partner_center" in page
    response = client.post(
        reverse("webhooks:create"),
        {
            "url": receiver.url,
            "event_format": "partner_center",
            "events": ["referral-created", "related-referral-updated"],
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_format == "partner_center"
    assert endpoint.events == ["referral-created", "related-referral-updated"]
    # Cosell's events with Partner Center's format: the form says what is wrong.
    response = client.post(
        reverse("webhooks:update", args=[endpoint.pk]),
        {"event_format": "partner_center", "events": ["lead.created"], "is_active": "on"},
    )
    assert response.status_code == 400
    assert "Unknown event for the format" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.events == ["referral-created", "related-referral-updated"]


def test_an_edit_without_a_format_keeps_the_format(partner_admin, client_for, endpoint):
    endpoint.event_format = "partner_center"
    endpoint.events = ["referral-created"]
    endpoint.save()
    response = client_for(partner_admin).post(
        reverse("webhooks:update", args=[endpoint.pk]),
        {"events": ["referral-updated"], "is_active": "on"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.event_format, endpoint.events) == ("partner_center", ["referral-updated"])


def test_rotating_the_secret_shows_the_new_one_once(partner_admin, endpoint, client_for):
    client = client_for(partner_admin)
    old = endpoint.secret
    url = reverse("webhooks:rotate_secret", args=[endpoint.pk])
    assert client.get(url).status_code == 200
    assert WebhookEndpoint.objects.get().secret == old  # a GET changes nothing
    response = client.post(url, {"keep_previous": "on"}, follow=True)
    endpoint.refresh_from_db()
    page = response.content.decode()
    assert endpoint.secret != old and endpoint.secret in page
    assert "also signed with the previous secret" in page
    again = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in again
    assert AuditEvent.objects.filter(verb="secret_rotated", actor=partner_admin).exists()


def test_the_guide_documents_both_formats_and_standard_webhooks(partner_admin, client_for):
    page = client_for(partner_admin).get(reverse("webhooks:docs")).content.decode()
    for text in (
        "referral-created",
        "related-referral-updated",
        "ResourceUri",
        "/v1.0/engagements/referrals/",
        "webhook-signature",
        "from standardwebhooks import Webhook",
        "rotate-secret",
    ):
        assert text in page, text
