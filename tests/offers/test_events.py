"""offer.status_changed and offer.badge_changed reach the outbox with the change, for the offer's
partner only; the nightly job and the propagation job emit them too (the latter in bulk)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from cosell.webhooks.models import OutboxEvent
from offers import services
from offers.models import BadgeState, CoSellStatus
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def rows(event_type):
    return list(OutboxEvent.objects.filter(type=event_type).order_by("created_at", "id"))


def test_an_evaluation_emits_status_and_badge_once(azure_offer, partner, other_partner):
    services.offer_status_evaluate(offer_id=azure_offer.pk, now=T0)
    [status] = rows("offer.status_changed")
    assert status.partner_id == partner.pk
    assert status.subject_id == str(azure_offer.pk)
    assert status.data["from"] == CoSellStatus.NOT_READY
    assert status.data["to"] == status.data["co_sell_status"] == CoSellStatus.AZURE_IP_INCENTIVE
    [badge] = rows("offer.badge_changed")
    assert (badge.data["from"], badge.data["to"]) == (BadgeState.NONE, BadgeState.PENDING)
    assert badge.data["badge_due_at"] == "2026-01-31T00:00:00+00:00"
    # Nothing changes the second time, and nothing is said.
    services.offer_status_evaluate(offer_id=azure_offer.pk, now=T0)
    assert OutboxEvent.objects.count() == 2
    assert not OutboxEvent.objects.filter(partner=other_partner).exists()


def test_a_rolled_back_evaluation_leaves_no_event(azure_offer):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.offer_status_evaluate(offer_id=azure_offer.pk, now=T0)
        raise RuntimeError
    assert not OutboxEvent.objects.exists()


def test_the_nightly_job_emits_what_it_changes(azure_offer):
    assert services.offers_reevaluate_all(now=T0) == 1
    assert len(rows("offer.status_changed")) == 1
    assert services.offers_reevaluate_all(now=T0) == 0
    assert len(rows("offer.status_changed")) == 1


def test_propagation_emits_in_bulk(partner, django_assert_max_num_queries):
    due = datetime(2026, 1, 31, tzinfo=UTC)
    OfferFactory.create_batch(
        5,
        partner=partner,
        co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE,
        badge_state=BadgeState.PENDING,
        badge_due_at=due,
    )
    with django_assert_max_num_queries(8) as run:
        assert services.badge_propagate(now=due + timedelta(hours=1)) == 5
    inserts = [
        q
        for q in run.captured_queries
        if '"webhooks_outboxevent"' in q["sql"] and q["sql"].startswith(("INSERT", "COPY"))
    ]
    assert len(inserts) == 1
    events = rows("offer.badge_changed")
    assert len(events) == 5
    assert {(e.data["from"], e.data["to"]) for e in events} == {
        (BadgeState.PENDING, BadgeState.VISIBLE)
    }
    # The moment the run published it, not the moment it fell due.
    ran_at = due + timedelta(hours=1)
    assert all(e.data["badge_visible_since"] == ran_at.isoformat() for e in events)
    assert services.badge_propagate(now=due + timedelta(hours=1)) == 0
    assert len(rows("offer.badge_changed")) == 5
