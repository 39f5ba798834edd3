"""Two real transactions racing for one lead: exactly one outcome."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from cosell.core import audit
from cosell.core.errors import InvalidTransition
from opportunities.deals.choices import Category
from opportunities.leads import services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import T0, days, make_opportunity
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run each call in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def runner(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def queued_lead(partner, partner_admin):
    offer = co_sell_ready_offer(partner, solution_areas=["security"])
    lead = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=offer
    ).leads.get()
    assert lead.in_queue
    return lead


@pytest.mark.parametrize("attempt", range(3))
def test_two_sellers_take_the_same_queued_lead_one_wins(queued_lead, attempt):
    amy = SellerFactory(user=UserFactory(username="amy", first_name="Amy", last_name="Ash")).user
    bob = SellerFactory(user=UserFactory(username="bob", first_name="Bob", last_name="Birch")).user
    results = race(
        lambda: services.lead_accept(lead_id=queued_lead.pk, actor=amy, now=T0),
        lambda: services.lead_accept(lead_id=queued_lead.pk, actor=bob, now=T0),
    )
    oks = [r for r in results if r[0] == "ok"]
    errors = [r[1] for r in results if r[0] == "error"]
    assert len(oks) == 1 and len(errors) == 1, results
    winner = oks[0][1].answered_by
    assert isinstance(errors[0], InvalidTransition)
    assert errors[0].extra["accepted_by"] == str(winner)
    lead = Lead.objects.get(pk=queued_lead.pk)
    assert lead.status == Lead.Status.ACCEPTED and lead.answered_by == winner
    assert lead.receiver_seller.user == winner
    assert [e.verb for e in audit.history(lead)].count("accepted") == 1
    assert lead.opportunity.team.filter(user__in=[amy, bob]).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_an_accept_racing_the_expiry_job_gives_one_outcome(
    partner, partner_admin, ready_offer, seller, attempt
):
    lead = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer
    ).leads.get()
    deadline = lead.expires_at
    results = race(
        lambda: services.lead_accept(
            lead_id=lead.pk, actor=seller, now=deadline - timedelta(seconds=1)
        ),
        lambda: services.lead_expire_due(deadline),
    )
    accept, job = results
    assert job[0] == "ok", results
    lead.refresh_from_db()
    verbs = [e.verb for e in audit.history(lead)]
    if accept[0] == "ok":
        assert lead.status == Lead.Status.ACCEPTED and job[1] == 0
        assert "expired" not in verbs
    else:
        assert isinstance(accept[1], InvalidTransition)
        assert accept[1].extra["current_status"] == "expired"
        assert lead.status == Lead.Status.EXPIRED and job[1] == 1
        assert "accepted" not in verbs
    # and a later run changes nothing
    assert services.lead_expire_due(deadline + days(1)) == 0
