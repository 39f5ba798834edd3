"""The lead's row lock, forced to be contended: the second transaction really waits (or skips)
while the first one holds the lock, and the outcome is still exactly one."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from cosell.core.errors import InvalidTransition
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads import services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import T0, make_opportunity
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(func):
    box = {}

    def run():
        try:
            box["result"] = func()
        except Exception as exc:
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def hold_lock_then(lead_id, locked: threading.Event, release: threading.Event, then):
    """Lock the lead's row (after its opportunity's: the lock order every service follows), say
    so, wait to be released, then run ``then`` in the same transaction (the service's own
    atomic block nests as a savepoint)."""

    def run():
        with transaction.atomic():
            opportunity_id = Lead.objects.get(pk=lead_id).opportunity_id
            list(Opportunity.objects.select_for_update().filter(pk=opportunity_id))
            Lead.objects.select_for_update().get(pk=lead_id)
            locked.set()
            release.wait(timeout=10)
            return then()

    return run


@pytest.fixture
def queued_lead(partner, partner_admin):
    offer = co_sell_ready_offer(partner, solution_areas=["security"])
    return make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=offer
    ).leads.get()


def test_the_second_seller_waits_for_the_first_and_is_told_who_took_it(queued_lead):
    amy = SellerFactory(user=UserFactory(username="amy", first_name="Amy", last_name="Ash")).user
    bob = SellerFactory(user=UserFactory(username="bob", first_name="Bob", last_name="Birch")).user
    locked, release = threading.Event(), threading.Event()
    first, first_box = in_thread(
        hold_lock_then(
            queued_lead.pk,
            locked,
            release,
            lambda: services.lead_accept(lead_id=queued_lead.pk, actor=amy, now=T0),
        )
    )
    assert locked.wait(timeout=10)
    second, second_box = in_thread(
        lambda: services.lead_accept(lead_id=queued_lead.pk, actor=bob, now=T0)
    )
    time.sleep(0.5)
    assert second.is_alive(), "the second accept must wait for the row lock"
    release.set()
    first.join(timeout=20)
    second.join(timeout=20)
    assert "error" not in first_box, first_box
    assert isinstance(second_box.get("error"), InvalidTransition), second_box
    assert second_box["error"].extra["accepted_by"] == str(amy)
    lead = Lead.objects.get(pk=queued_lead.pk)
    assert (lead.status, lead.answered_by) == (Lead.Status.ACCEPTED, amy)


def test_the_expiry_job_leaves_a_lead_being_accepted_and_one_outcome_follows(queued_lead, seller):
    deadline = queued_lead.expires_at
    locked, release = threading.Event(), threading.Event()
    accept, accept_box = in_thread(
        hold_lock_then(
            queued_lead.pk,
            locked,
            release,
            lambda: services.lead_accept(
                lead_id=queued_lead.pk, actor=seller, now=deadline - timedelta(seconds=1)
            ),
        )
    )
    assert locked.wait(timeout=10)
    job, job_box = in_thread(lambda: services.lead_expire_due(deadline))
    # The job either skips the locked row or waits for it; both must end in one outcome.
    job.join(timeout=2)
    release.set()
    accept.join(timeout=20)
    job.join(timeout=20)
    assert job_box.get("result") == 0, job_box
    assert "error" not in accept_box, accept_box
    lead = Lead.objects.get(pk=queued_lead.pk)
    assert lead.status == Lead.Status.ACCEPTED
    # The next run finds nothing to expire: the lead was answered in time.
    assert services.lead_expire_due(deadline + timedelta(minutes=10)) == 0
