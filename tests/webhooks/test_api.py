"""/api/v1/webhooks/: partner admins only; the secret shows in the create response only."""

import pytest
from rest_framework.test import APIClient

from cosell.core import clock
from cosell.webhooks import outbox
from cosell.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_returns_the_secret_once(partner_admin, receiver, allow_private):
    client = api(partner_admin)
    response = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["lead.created"], "is_active": True},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret
    assert body["events"] == ["lead.created"]
    assert "secret" not in client.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    listing = client.get("/api/v1/webhooks/").json()
    assert listing["count"] == 1
    assert "secret" not in listing["results"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://127.0.0.1/", "events": ["lead.created"]}, "url"),
        ({"url": "gopher://93.184.215.14/", "events": ["lead.created"]}, "url"),
        ({"url": "https://93.184.215.14/", "events": []}, "events"),
        ({"url": "https://93.184.215.14/", "events": ["lead.exploded"]}, "events"),
        ({"events": ["lead.created"]}, "url"),
    ],
)
def test_create_refuses_bad_input_with_the_error_shape(partner_admin, settings, payload, field):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = api(partner_admin).post("/api/v1/webhooks/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert field in body["errors"]


def test_partial_update_and_delete(partner_admin, endpoint):
    client = api(partner_admin)
    response = client.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["events"] == endpoint.events
    assert client.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_list_attempts_and_resend(
    partner_admin,
    partner,
    endpoint,
    receiver,
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
    client = api(partner_admin)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()
    assert body["count"] == 3
    codes = sorted(d["attempt_log"][0]["status_code"] for d in body["results"])
    assert codes == [200, 200, 500]
    done = WebhookDelivery.objects.filter(status="succeeded").first()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{done.pk}/resend/")
    assert response.status_code == 202
    assert receiver.requests[-1].event_id == str(done.event_id)
    assert response.json()["status"] == "pending"  # queued; sent after commit
    assert done.attempt_log.count() == 2


def test_another_partner_gets_404(endpoint, other_partner_admin):
    client = api(other_partner_admin)
    assert client.get("/api/v1/webhooks/").json()["count"] == 0
    base = f"/api/v1/webhooks/{endpoint.pk}/"
    assert client.get(base).status_code == 404
    assert client.patch(base, {"is_active": False}, format="json").status_code == 404
    assert client.delete(base).status_code == 404
    assert client.get(base + "deliveries/").status_code == 404
    assert client.post(base + "deliveries/1/resend/").status_code == 404
    assert WebhookEndpoint.objects.get().is_active


@pytest.mark.parametrize("persona", ["partner_user", "seller", "admin_user"])
def test_others_than_partner_admins_get_403(persona, endpoint, request):
    client = api(request.getfixturevalue(persona))
    assert client.get("/api/v1/webhooks/").status_code == 403
    response = client.post(
        "/api/v1/webhooks/", {"url": "https://93.184.215.14/", "events": ["lead.created"]}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 403
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 403


def test_the_schema_documents_the_errors(admin_user):
    schema = api(admin_user).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/webhooks/{id}/"]["patch"]
    assert {"200", "400", "403", "404"} <= set(operation["responses"])
    resend = schema["paths"]["/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend/"]["post"]
    assert {"202", "403", "404"} <= set(resend["responses"])


def test_event_format_is_chosen_at_creation_and_checked_against_the_events(
    partner_admin, receiver, allow_private
):
    client = api(partner_admin)
    response = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "event_format": "partner_center", "events": ["referral-updated"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["event_format"] == "partner_center"
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.event_format, endpoint.events) == ("partner_center", ["referral-updated"])
    # Events of the other format, or an unknown format: 400 naming the field, nothing changed.
    for payload, field in [
        ({"url": receiver.url, "events": ["referral-updated"]}, "events"),
        (
            {"url": receiver.url, "event_format": "partner_center", "events": ["lead.created"]},
            "events",
        ),
        ({"url": receiver.url, "event_format": "svix", "events": ["lead.created"]}, "event_format"),
    ]:
        refused = client.post("/api/v1/webhooks/", payload, format="json")
        assert refused.status_code == 400 and field in refused.json()["errors"], payload
    url = f"/api/v1/webhooks/{endpoint.pk}/"
    refused = client.patch(url, {"event_format": "cosell"}, format="json")
    assert refused.status_code == 400 and "events" in refused.json()["errors"]
    switched = client.patch(
        url, {"event_format": "cosell", "events": ["lead.created"]}, format="json"
    )
    assert switched.status_code == 200
    assert (switched.json()["event_format"], switched.json()["events"]) == (
        "cosell",
        ["lead.created"],
    )
    assert WebhookEndpoint.objects.count() == 1


def test_rotate_secret_returns_the_new_secret_once(partner_admin, endpoint):
    client = api(partner_admin)
    old = endpoint.secret
    response = client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/", {}, format="json")
    assert response.status_code == 200
    endpoint.refresh_from_db()
    body = response.json()
    assert body["secret"] == endpoint.secret != old
    assert endpoint.previous_secret == old and body["previous_secret_expires_at"]
    assert "secret" not in client.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    response = client.post(
        f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/", {"keep_previous": False}, format="json"
    )
    endpoint.refresh_from_db()
    assert response.json()["previous_secret_expires_at"] is None
    assert endpoint.previous_secret == ""
    refused = client.post(
        f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/", {"keep_previous": "maybe"}, format="json"
    )
    assert refused.status_code == 400 and "keep_previous" in refused.json()["errors"]


def test_another_partner_cannot_rotate_the_secret(other_partner_admin, endpoint):
    before = endpoint.secret
    response = api(other_partner_admin).post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/")
    assert response.status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.secret == before
