"""The portal without Redis: a Redis of the test's own is stopped and started again.

While it is down, API reads and writes and browser forms answer as usual (throttles fail open),
``/healthz`` names the broker, and the side effects of the writes wait in the database. Once it
is back, the periodic jobs deliver them: each mail once, each webhook once.
"""

from datetime import timedelta

import pytest
from django.core import mail

from cosell.core import clock, periodic
from cosell.core.models import PendingEffect
from cosell.partners.models import Membership
from cosell.webhooks.models import OutboxEvent, WebhookDelivery
from opportunities.deals.choices import Category
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity
from tests.support.own_redis import drain, own_redis_fixture
from tests.webhooks.conftest import allow_private, endpoint, make_receiver, receiver  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_redis(tmp_path, settings):
    yield from own_redis_fixture(tmp_path, settings)


def _run_jobs_and_worker(own, now):
    """Beat runs the delivering jobs; the worker runs what they queued."""
    ran = []
    for _ in range(3):
        periodic.run("effects.deliver", now)
        periodic.run("webhooks.dispatch", now)
        ran += drain(own)
    return ran


def test_writes_answer_while_redis_is_down_and_effects_arrive_after(
    own_redis,
    client_for,
    partner,
    partner_admin,
    other_partner,
    other_partner_admin,
    endpoint,  # noqa: F811  (partner's endpoint, subscribed to lead.accepted)
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    opportunity = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        invite_partner_ids=[other_partner.pk],
        now=clock.now(),
    )
    lead = opportunity.leads.get()
    # What creating the deal queued went out before this test's outage.
    PendingEffect.objects.update(status=PendingEffect.Status.DONE)
    OutboxEvent.objects.update(dispatched_at=clock.now())
    api, browser = client_for(other_partner_admin), client_for(partner_admin)
    mail.outbox.clear()

    own_redis.stop()

    assert api.get("/api/v1/me/").status_code == 200
    assert api.get("/api/v1/leads/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.post(f"/api/v1/leads/{lead.pk}/accept/", {}, "application/json")
    assert accepted.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        invited = browser.post(
            "/members/invite/", {"email": "nina@contoso.example", "role": "member"}
        )
    assert invited.status_code == 302
    assert browser.get("/members/").status_code == 200
    health = browser.get("/healthz")
    assert health.status_code == 503 and health.json()["down"] == ["broker"]

    # The changes committed; their mail and webhook wait for the broker.
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.ACCEPTED
    assert Membership.objects.filter(user__email="nina@contoso.example").exists()
    assert mail.outbox == []
    assert receiver.requests == []
    waiting = set(
        PendingEffect.objects.filter(status=PendingEffect.Status.PENDING).values_list(
            "task", flat=True
        )
    )
    assert waiting == {"opportunities.lead_notify_sender", "partners.member_send_invitation"}

    own_redis.start()
    assert browser.get("/healthz").status_code == 200

    later = clock.now() + timedelta(minutes=2)
    ran = _run_jobs_and_worker(own_redis, later)
    assert "cosell.core.tasks.effects_run" in ran
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(
        [partner_admin.email, "nina@contoso.example"]
    )
    assert not PendingEffect.objects.exclude(status=PendingEffect.Status.DONE).exists()
    sent = [request.json["type"] for request in receiver.requests]
    assert sent == ["opportunity.updated", "lead.accepted"]
    assert {d.status for d in WebhookDelivery.objects.all()} == {WebhookDelivery.Status.SUCCEEDED}

    # Beat runs again: nothing goes out twice.
    _run_jobs_and_worker(own_redis, later + timedelta(minutes=1))
    assert len(mail.outbox) == 2
    assert len(receiver.requests) == 2


def test_throttles_fail_open_and_count_again_once_redis_is_back(
    own_redis, client_for, partner_user
):
    from rest_framework.throttling import UserRateThrottle

    client = client_for(partner_user)
    rate = UserRateThrottle.THROTTLE_RATES
    saved = rate["user"]
    rate["user"] = "3/min"
    try:
        own_redis.stop()
        assert [client.get("/api/v1/me/").status_code for _ in range(5)] == [200] * 5
        own_redis.start()
        codes = [client.get("/api/v1/me/").status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
    finally:
        rate["user"] = saved
