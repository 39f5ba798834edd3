import pytest
from django.core import mail

from opportunities import services
from opportunities.models import Category
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
        services.lead_withdraw(lead_id=lead.pk, actor=partner_admin, now=T0)
    assert [m.to for m in mail.outbox] == [[other_partner_admin.email]]
    assert "withdrawn" in mail.outbox[0].subject
    # A second withdraw changes nothing and mails nobody.
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_withdraw(lead_id=lead.pk, actor=partner_admin, now=T0)
    assert len(mail.outbox) == 1
