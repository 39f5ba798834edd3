"""The lock order (partner, then opportunity, then lead), forced to meet.

A third transaction (the gate) holds every row both services want; both start and wait; the gate
lets go and both are released at once. Locking in different orders (the lead first in one, the
opportunity first in the other) would then deadlock every time, and two admins each locking
only their own membership row would both pass the last-admin check. In the portal's order they
run one after the other and there is exactly one outcome.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from cosell.core.errors import Conflict, InvalidTransition
from cosell.partners import services as partner_services
from cosell.partners.models import Membership, Partner
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category, LostReason
from opportunities.deals.models import Opportunity
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import T0, make_opportunity
from tests.partners.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(func):
    box: dict = {}

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


def _waiting_for_locks() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def gated(lock_rows, *calls):
    """Run ``calls`` in their own transactions while a gate holds ``lock_rows`` (querysets),
    then let go once every call waits for a lock; return each call's box."""
    locked, release = threading.Event(), threading.Event()

    def gate():
        with transaction.atomic():
            for rows in lock_rows:
                list(rows.select_for_update())
            locked.set()
            release.wait(timeout=20)

    gate_thread, gate_box = _in_thread(gate)
    assert locked.wait(timeout=10)
    started = [_in_thread(call) for call in calls]
    assert _until(lambda: _waiting_for_locks() >= len(calls)), "the calls must wait for the gate"
    release.set()
    gate_thread.join(timeout=20)
    for thread, _box in started:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert "error" not in gate_box, gate_box
    return [box for _thread, box in started]


@pytest.fixture
def p2p_lead(partner, partner_admin, other_partner, other_partner_admin):
    return make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    ).leads.get()


def _close(lead, actor):
    return lambda: deal_services.opportunity_close(
        opportunity_id=lead.opportunity_id,
        outcome="lost",
        reason=LostReason.BUDGET_NOT_ADEQUATE,
        notes="",
        actor=actor,
        now=T0,
    )


def _rows(lead):
    return [
        Opportunity.objects.filter(pk=lead.opportunity_id),
        Lead.objects.filter(pk=lead.pk),
    ]


def test_close_and_accept_meet_without_deadlock(p2p_lead, partner_admin, other_partner_admin):
    close, accept = gated(
        _rows(p2p_lead),
        _close(p2p_lead, partner_admin),
        lambda: lead_services.lead_accept(lead_id=p2p_lead.pk, actor=other_partner_admin, now=T0),
    )
    assert "error" not in close, close
    lead = Lead.objects.get(pk=p2p_lead.pk)
    assert Opportunity.objects.get(pk=p2p_lead.opportunity_id).status == "lost"
    if "error" in accept:
        # The close went first: the lead was withdrawn, the accept is told so.
        assert isinstance(accept["error"], InvalidTransition), accept
        assert lead.status == Lead.Status.WITHDRAWN
    else:
        assert lead.status == Lead.Status.ACCEPTED


def test_decline_and_close_meet_without_deadlock(p2p_lead, partner_admin, other_partner_admin):
    decline, close = gated(
        _rows(p2p_lead),
        lambda: lead_services.lead_decline(
            lead_id=p2p_lead.pk,
            actor=other_partner_admin,
            reason=LostReason.CHOSE_ANOTHER_VENDOR,
            notes="not for us",
            now=T0,
        ),
        _close(p2p_lead, partner_admin),
    )
    assert "error" not in close, close
    lead = Lead.objects.get(pk=p2p_lead.pk)
    if "error" in decline:
        assert isinstance(decline["error"], InvalidTransition), decline
        assert lead.status == Lead.Status.WITHDRAWN
    else:
        assert lead.status == Lead.Status.DECLINED


def test_two_admins_demoting_each_other_leave_one_admin(partner, partner_admin):
    ada = Membership.objects.get(user=partner_admin)
    bea = MembershipFactory(partner=partner, role="admin", user=UserFactory(username="bea"))
    first, second = gated(
        [Partner.objects.filter(pk=partner.pk), Membership.objects.filter(pk__in=[ada.pk, bea.pk])],
        lambda: partner_services.member_set_role(
            membership_id=bea.pk, role="member", actor=ada.user, now=T0
        ),
        lambda: partner_services.member_set_role(
            membership_id=ada.pk, role="member", actor=bea.user, now=T0
        ),
    )
    errors = [box["error"] for box in (first, second) if "error" in box]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), (first, second)
    assert Membership.objects.filter(partner=partner, role="admin").count() == 1


def test_two_admins_removing_each_other_leave_one_admin(partner, partner_admin):
    ada = Membership.objects.get(user=partner_admin)
    bea = MembershipFactory(partner=partner, role="admin", user=UserFactory(username="bea"))
    first, second = gated(
        [Partner.objects.filter(pk=partner.pk), Membership.objects.filter(pk__in=[ada.pk, bea.pk])],
        lambda: partner_services.member_remove(membership_id=bea.pk, actor=ada.user, now=T0),
        lambda: partner_services.member_remove(membership_id=ada.pk, actor=bea.user, now=T0),
    )
    assert len([box for box in (first, second) if "error" in box]) == 1, (first, second)
    assert Membership.objects.filter(partner=partner, role="admin").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_withdraw_racing_the_expiry_job_gives_one_outcome(p2p_lead, partner_admin, attempt):
    deadline = p2p_lead.expires_at
    barrier = threading.Barrier(2)

    def after_barrier(call):
        def run():
            barrier.wait(timeout=10)
            return call()

        return run

    withdraw_thread, withdraw = _in_thread(
        after_barrier(
            lambda: lead_services.lead_withdraw(
                lead_id=p2p_lead.pk, actor=partner_admin, now=deadline - timedelta(seconds=1)
            )
        )
    )
    job_thread, job = _in_thread(after_barrier(lambda: lead_services.lead_expire_due(deadline)))
    withdraw_thread.join(timeout=30)
    job_thread.join(timeout=30)
    assert "error" not in job, job
    lead = Lead.objects.get(pk=p2p_lead.pk)
    if "error" in withdraw:
        assert isinstance(withdraw["error"], InvalidTransition), withdraw
        assert lead.status == Lead.Status.EXPIRED and job["result"] == 1
    else:
        assert lead.status == Lead.Status.WITHDRAWN and job["result"] == 0
    assert lead_services.lead_expire_due(deadline + timedelta(days=1)) == 0


def test_a_withdraw_at_the_expiry_time_answers_expired_before_the_job_ran(p2p_lead, partner_admin):
    # The job skips rows a person holds, so it never waits for a withdraw; the shared rule
    # decides instead: at its expiry time the lead answers as expired, job run or not.
    deadline = p2p_lead.expires_at
    with pytest.raises(InvalidTransition) as caught:
        lead_services.lead_withdraw(lead_id=p2p_lead.pk, actor=partner_admin, now=deadline)
    assert caught.value.extra["current_status"] == "expired"
    assert lead_services.lead_expire_due(deadline) == 1
    assert Lead.objects.get(pk=p2p_lead.pk).status == Lead.Status.EXPIRED
