import pytest
from django.core import mail

from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category
from opportunities.leads import services as lead_services
from tests.opportunities.conftest import T0, make_opportunity

pytestmark = pytest.mark.django_db


def test_the_receiver_is_told_when_a_lead_is_withdrawn(
    partner, partner_admin, other_partner, other_partner_admin, django_capture_on_commit_callbacks
):
    lead = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    ).leads.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_withdraw(lead_id=lead.pk, actor=partner_admin, now=T0)
    assert [m.to for m in mail.outbox] == [[other_partner_admin.email]]
    assert "withdrawn" in mail.outbox[0].subject
    # A second withdraw changes nothing and mails nobody.
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_withdraw(lead_id=lead.pk, actor=partner_admin, now=T0)
    assert len(mail.outbox) == 1


def test_closing_the_deal_mails_the_receivers_of_the_leads_it_withdraws(
    partner, partner_admin, other_partner, other_partner_admin, django_capture_on_commit_callbacks
):
    from tests.partners.factories import MembershipFactory, PartnerFactory, UserFactory

    third = PartnerFactory(name="Tailspin")
    third_admin = MembershipFactory(
        partner=third, role="admin", user=UserFactory(username="tara")
    ).user
    opportunity = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        invite_partner_ids=[other_partner.pk, third.pk],
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deal_services.opportunity_close(
            opportunity_id=opportunity.pk, outcome="won", actor=partner_admin, now=T0
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [other_partner_admin.email, third_admin.email]
    )
    assert all("withdrawn" in m.subject for m in mail.outbox)


def test_closing_leaves_a_lead_past_its_expiry_to_the_expiry_job(
    partner, partner_admin, other_partner, django_capture_on_commit_callbacks
):
    from opportunities.leads.models import Lead

    opportunity = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    lead = opportunity.leads.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deal_services.opportunity_close(
            opportunity_id=opportunity.pk, outcome="won", actor=partner_admin, now=lead.expires_at
        )
    lead.refresh_from_db()
    assert lead.status == Lead.Status.RECEIVED and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_services.lead_expire_due(lead.expires_at) == 1
    lead.refresh_from_db()
    assert lead.status == Lead.Status.EXPIRED
    assert [m.to for m in mail.outbox] == [[partner_admin.email]]
