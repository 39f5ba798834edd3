"""The deliveries of an endpoint filter by status and page in place (htmx) or as a full page."""

import pytest
from django.urls import reverse

from cosell.core import clock
from cosell.webhooks import outbox
from cosell.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_outcomes(partner, partner_admin, endpoint, receiver, django_capture_on_commit_callbacks):
    """One delivery refused for good (400), one delivered (200)."""
    receiver.statuses = [400, 200]
    with django_capture_on_commit_callbacks(execute=True):
        for subject in (partner, partner_admin):
            outbox.emit(
                event_type="lead.created",
                subject=subject,
                recipients={partner.pk: {}},
                at=clock.now(),
            )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed", "succeeded"}


def test_filter_by_status_full_page_and_htmx(partner_admin, endpoint, two_outcomes, client_for):
    client = client_for(partner_admin)
    url = reverse("webhooks:detail", args=[endpoint.pk])
    page = client.get(url, {"status": "failed"}).content.decode()
    assert "<html" in page
    assert page.count('class="card mb-2"') == 1
    assert "Failed" in page

    fragment = client.get(url, {"status": "succeeded"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert 'id="delivery-list"' in fragment
    assert fragment.count('class="card mb-2"') == 1

    everything = client.get(url, {"status": "nonsense"}).content.decode()
    assert everything.count('class="card mb-2"') == 2


def test_an_empty_filter_says_what_to_do(partner_admin, endpoint, client_for):
    page = client_for(partner_admin).get(
        reverse("webhooks:detail", args=[endpoint.pk]), {"status": "gave_up"}
    )
    assert "No deliveries with this status." in page.content.decode()
