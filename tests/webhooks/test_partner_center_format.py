"""Partner Center's event format: real deals, real deliveries, verified with the
``standardwebhooks`` package unchanged; an endpoint of another partner never receives them, and
an invited partner's events carry only what the access policy shares."""

import json

import pytest
from django.conf import settings
from django.db import transaction
from standardwebhooks import Webhook

from cosell.core import clock
from cosell.webhooks import outbox, ping, services
from cosell.webhooks.models import EventFormat, PartnerCenterEvent, WebhookDelivery
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category
from opportunities.leads import services as lead_services
from partnercenter import ids
from tests.opportunities.conftest import make_opportunity
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db

PC_EVENTS = list(PartnerCenterEvent.values)
COSELL_EVENTS = ["lead.created", "lead.accepted", "opportunity.created", "opportunity.updated"]
SECRET_NOTES = "SECRET-NOTES-PC9"


def register(admin, receiver, event_format, events):
    return services.endpoint_create(
        partner=admin.membership.partner,
        actor=admin,
        url=receiver.url,
        event_format=event_format,
        events=events,
        now=clock.now(),
    )


def payloads(receiver, endpoint) -> list[dict]:
    """Every request the receiver got, verified with the library and parsed by it."""
    return [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.requests]


def uri(referral_id: str) -> str:
    return f"{settings.COSELL_BASE_URL}/v1.0/engagements/referrals/{referral_id}"


@pytest.fixture
def third_admin(db):
    return MembershipFactory(partner=PartnerFactory(name="Tailspin"), role="admin").user


def test_a_shared_deal_reaches_each_partner_as_its_own_and_related_referrals(
    partner_admin,
    other_partner_admin,
    other_partner,
    third_admin,
    make_receiver,
    allow_private,
    django_capture_on_commit_callbacks,
):
    owner_pc, invited_pc, invited_cosell, third_pc, third_cosell = (
        make_receiver() for _ in range(5)
    )
    owner_endpoint = register(partner_admin, owner_pc, EventFormat.PARTNER_CENTER, PC_EVENTS)
    invited_endpoint = register(
        other_partner_admin, invited_pc, EventFormat.PARTNER_CENTER, PC_EVENTS
    )
    register(other_partner_admin, invited_cosell, EventFormat.COSELL, COSELL_EVENTS)
    third_endpoint = register(third_admin, third_pc, EventFormat.PARTNER_CENTER, PC_EVENTS)
    register(third_admin, third_cosell, EventFormat.COSELL, COSELL_EVENTS)

    with django_capture_on_commit_callbacks(execute=True):
        deal = make_opportunity(
            partner_admin.membership.partner,
            partner_admin,
            category=Category.P2P,
            now=clock.now(),
            invite_partner_ids=[other_partner.pk],
            notes=SECRET_NOTES,
        )
    lead = deal.leads.get()
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_accept(lead_id=lead.pk, actor=other_partner_admin, now=clock.now())
    with django_capture_on_commit_callbacks(execute=True):
        deal_services.opportunity_update(
            opportunity_id=deal.pk, actor=partner_admin, now=clock.now(), value=75000
        )

    deal_uri, lead_uri = uri(f"opportunity-{deal.pk}"), uri(f"lead-{lead.pk}")
    owner = [(p["EventName"], p["ResourceUri"]) for p in payloads(owner_pc, owner_endpoint)]
    assert sorted(owner) == sorted(
        [
            ("referral-created", deal_uri),  # the owner's referral
            ("related-referral-created", lead_uri),  # the invited partner's referral
            ("related-referral-updated", lead_uri),  # ... which it accepted,
            ("referral-updated", deal_uri),  # moving the deal to "accepted"
            ("referral-updated", deal_uri),  # the owner changed its deal
        ]
    )
    invited = [(p["EventName"], p["ResourceUri"]) for p in payloads(invited_pc, invited_endpoint)]
    assert sorted(invited) == sorted(
        [
            ("related-referral-created", deal_uri),
            ("referral-created", lead_uri),  # its own, incoming referral
            ("referral-updated", lead_uri),  # which it accepted
            ("related-referral-updated", deal_uri),
            ("related-referral-updated", deal_uri),
        ]
    )
    for payload in payloads(owner_pc, owner_endpoint) + payloads(invited_pc, invited_endpoint):
        assert set(payload) == {
            "EventName",
            "ResourceUri",
            "ResourceName",
            "AuditUri",
            "ResourceChangeUtcDate",
        }
        assert payload["ResourceName"] == "referral" and payload["AuditUri"] is None
        assert payload["ResourceChangeUtcDate"].endswith("+00:00")
    # Every delivery also carries the Cosell headers, signed as before.
    assert all(r.signed_with(owner_endpoint.secret) for r in owner_pc.requests)

    # Tenancy: the invited partner never reads the owner's notes, in either format; a partner
    # that is not on the deal receives nothing at all.
    everything = b"".join(r.body for r in invited_pc.requests + invited_cosell.requests)
    assert invited_cosell.requests and SECRET_NOTES.encode() not in everything
    assert third_pc.requests == [] and third_cosell.requests == []
    assert not WebhookDelivery.objects.filter(endpoint=third_endpoint).exists()


def test_a_deal_shared_with_microsoft_is_a_related_referral_and_offers_do_not_reach_it(
    partner, partner_admin, receiver, allow_private, django_capture_on_commit_callbacks
):
    endpoint = register(partner_admin, receiver, EventFormat.PARTNER_CENTER, PC_EVENTS)
    offer = co_sell_ready_offer(partner)
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_opportunity(partner, partner_admin, category=Category.MICROSOFT, offer=offer)
    lead = deal.leads.get()  # Microsoft's side of the engagement
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.emit(
            event_type="offer.status_changed",
            subject=partner,
            recipients={partner.pk: {"status": "co_sell_ready"}},
            at=clock.now(),
        )
    names = [(p["EventName"], p["ResourceUri"]) for p in payloads(receiver, endpoint)]
    assert names == [
        ("referral-created", uri(f"opportunity-{deal.pk}")),
        ("related-referral-created", uri(f"lead-{lead.pk}")),
    ]


def test_an_endpoint_receives_only_the_partner_center_events_it_chose(
    partner, partner_admin, receiver, allow_private, django_capture_on_commit_callbacks
):
    endpoint = register(
        partner_admin, receiver, EventFormat.PARTNER_CENTER, ["related-referral-created"]
    )
    offer = co_sell_ready_offer(partner)
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_opportunity(partner, partner_admin, category=Category.MICROSOFT, offer=offer)
    [payload] = payloads(receiver, endpoint)
    assert payload["EventName"] == "related-referral-created"
    assert payload["ResourceUri"] == uri(ids.referral_id_for_lead(deal.leads.get()))


def test_the_test_event_in_partner_center_format_is_test_created(
    partner_admin, receiver, allow_private, django_capture_on_commit_callbacks
):
    endpoint = register(partner_admin, receiver, EventFormat.PARTNER_CENTER, PC_EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = ping.endpoint_send_test(
            endpoint_id=endpoint.pk, actor=partner_admin, now=clock.now()
        )
    [request] = receiver.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["EventName"] == "test-created"
    assert payload["ResourceName"] == "test"
    assert payload["ResourceUri"].endswith(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
    assert request.headers["webhook-id"] == str(delivery.event_id)


def test_the_test_event_in_cosell_format_is_ping_and_verifies(
    endpoint, receiver, partner_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ping.endpoint_send_test(endpoint_id=endpoint.pk, actor=partner_admin, now=clock.now())
    [request] = receiver.requests
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["type"] == "ping"


def test_a_registration_updates_the_owners_referral():
    from cosell.webhooks.models import OutboxEvent
    from partnercenter.webhooks import registration_notification

    event = OutboxEvent(
        type="deal_registration.updated", partner_id=1, data={"id": 3, "opportunity_id": 42}
    )
    notification = registration_notification(event)
    assert (notification.name, notification.resource_uri) == (
        "referral-updated",
        uri("opportunity-42"),
    )


def test_referral_ids_are_unambiguous():
    assert ids.parse_referral_id("opportunity-42") == ("opportunity", 42)
    assert ids.parse_referral_id("lead-7") == ("lead", 7)
    for bad in ("", "42", "L7", "lead-", "lead-0", "opportunity-07", "x1", "lead--1", "lead-４２"):
        assert ids.parse_referral_id(bad) is None, bad
    assert json.dumps(ids.lead_referral_id(7)) == '"lead-7"'


def test_a_pending_delivery_without_a_partner_center_form_fails_after_a_format_switch(
    partner, partner_admin, receiver, allow_private
):
    endpoint = register(partner_admin, receiver, EventFormat.COSELL, ["offer.status_changed"])
    now = clock.now()
    outbox.emit(
        event_type="offer.status_changed",
        subject=partner,
        recipients={partner.pk: {"status": "co_sell_ready"}},
        at=now,
    )
    [delivery_id] = services.outbox_dispatch(now=now)  # fanned out while in Cosell's format
    services.endpoint_update(
        endpoint_id=endpoint.pk,
        actor=partner_admin,
        now=now,
        event_format="partner_center",
        events=["referral-updated"],
    )
    delivery = services.delivery_attempt(delivery_id=delivery_id, now=now)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "no Partner Center form" in delivery.attempt_log.get().error
    assert receiver.requests == []
