"""Lead time: reminders 72 hours before expiry, expiry 14 days after sending, both by periodic
jobs that take ``now`` and are idempotent."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from cosell.core import audit
from opportunities.deals.choices import Category
from opportunities.leads import selectors
from opportunities.leads.models import Lead
from tests.opportunities.conftest import T0, days, make_opportunity

pytestmark = pytest.mark.django_db


def run(at, capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command(
            "run_periodic",
            "--at",
            at.isoformat(),
            "--job",
            "leads.remind",
            "--job",
            "leads.expire",
            stdout=out,
        )
    return out.getvalue()


@pytest.fixture
def lead(partner, partner_admin, ready_offer, seller):
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        contact_consent=True,
        contact_name="Ann",
        contact_email="ann@nw.com",
    )
    return opp.leads.get()


def test_a_lead_is_reminded_once_then_expires_after_14_days(
    lead, seller, partner_admin, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    mail.outbox.clear()
    for day in (1, 5, 10, 10.9):
        output = run(T0 + days(day), capture)
        assert "leads.remind @" in output
    lead.refresh_from_db()
    assert lead.reminded_at is None and lead.status == Lead.Status.RECEIVED
    assert mail.outbox == []

    # 72 hours before: one reminder to the receiver
    run(T0 + days(11), capture)
    lead.refresh_from_db()
    assert lead.reminded_at == T0 + days(11)
    assert [m.to for m in mail.outbox] == [[seller.email]]
    assert "Reminder" in mail.outbox[0].subject
    for day in (11, 12, 13.99):
        run(T0 + days(day), capture)
    assert len(mail.outbox) == 1
    lead.refresh_from_db()
    assert lead.status == Lead.Status.RECEIVED

    # 14 days after sending: expired, and the sender is told
    output = run(T0 + days(14), capture)
    assert "leads.expire @ 2026-03-16T09:00:00+00:00: 1" in output
    lead.refresh_from_db()
    assert lead.status == Lead.Status.EXPIRED
    assert mail.outbox[-1].to == [partner_admin.email]
    assert "expired" in mail.outbox[-1].subject
    # ... once
    output = run(T0 + days(14), capture)
    assert "leads.expire @ 2026-03-16T09:00:00+00:00: 0" in output
    run(T0 + days(20), capture)
    assert len(mail.outbox) == 2
    events = [(e.verb, e.job) for e in audit.history(lead)]
    assert events == [("expired", "leads.expire"), ("reminded", "leads.remind"), ("sent", "")]


def test_expired_contact_is_hidden_from_the_receiver_only(
    lead, seller, partner_admin, django_capture_on_commit_callbacks
):
    assert selectors.lead_contact_visible(seller, lead)
    run(T0 + days(15), django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert not selectors.lead_contact_visible(seller, lead)
    assert selectors.lead_contact_visible(partner_admin, lead)


def test_answered_leads_are_neither_reminded_nor_expired(
    partner, partner_admin, other_partner, other_partner_admin, django_capture_on_commit_callbacks
):
    from opportunities.leads import services

    opp = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    lead = opp.leads.get()
    services.lead_accept(lead_id=lead.pk, actor=other_partner_admin, now=T0 + days(1))
    run(T0 + days(12), django_capture_on_commit_callbacks)
    run(T0 + days(30), django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.ACCEPTED and lead.reminded_at is None


def test_expiry_is_configurable(
    settings, partner, partner_admin, other_partner, django_capture_on_commit_callbacks
):
    settings.LEAD_EXPIRY_DAYS = 3
    settings.LEAD_REMINDER_HOURS = 24
    opp = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    lead = opp.leads.get()
    assert lead.expires_at == T0 + days(3)
    run(T0 + days(2), django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.reminded_at == T0 + days(2)
    run(T0 + days(3), django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.EXPIRED


def test_jobs_work_in_batches(
    partner, partner_admin, other_partner, django_capture_on_commit_callbacks
):
    from opportunities.leads.services import lead_expire_due, lead_remind_due

    for n in range(7):
        make_opportunity(
            partner,
            partner_admin,
            category=Category.P2P,
            name=f"d{n}",
            customer_name=f"c{n}",
            invite_partner_ids=[other_partner.pk],
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_remind_due(T0 + days(12), batch_size=3) == 7
        assert lead_remind_due(T0 + days(12), batch_size=3) == 0
        assert lead_expire_due(T0 + days(14), batch_size=3) == 7
        assert lead_expire_due(T0 + days(14), batch_size=3) == 0
    assert Lead.objects.filter(status=Lead.Status.EXPIRED).count() == 7


def test_the_jobs_are_registered_and_scheduled(settings):
    from cosell.core import periodic

    assert {"leads.expire", "leads.remind"} <= set(periodic.jobs())
    assert {"leads.expire", "leads.remind"} <= set(settings.PERIODIC_JOB_SCHEDULES)
