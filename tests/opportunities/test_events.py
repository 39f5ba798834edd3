"""Domain events about opportunities and leads reach the outbox in the change's own transaction,
once per change, one row per partner concerned, each with what that partner may see."""

import pytest
from django.db import transaction

from cosell.core.errors import InvalidTransition
from cosell.webhooks.models import OutboxEvent
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import T0, days, make_opportunity

pytestmark = pytest.mark.django_db

CONTACT = {
    "contact_consent": True,
    "contact_name": "李雷",
    "contact_email": "li.lei@northwind.example",
}


def rows(event_type):
    return list(OutboxEvent.objects.filter(type=event_type).order_by("created_at", "id"))


def by_partner(event_type):
    return {row.partner_id: row.data for row in rows(event_type)}


@pytest.fixture
def p2p(partner, partner_admin, other_partner):
    return make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        invite_partner_ids=[other_partner.pk],
        notes="Owner's private notes",
        crm_id="CRM-1",
        **CONTACT,
    )


def test_a_private_deal_is_told_to_its_owner_only(partner, partner_admin):
    opportunity = make_opportunity(partner, partner_admin, notes="ours")
    [row] = rows("opportunity.created")
    assert row.partner_id == partner.pk
    assert row.subject_id == str(opportunity.pk)
    assert row.data["notes"] == "ours"
    assert row.data["role"] == "owner"
    assert row.created_at == T0
    assert rows("lead.created") == []


def test_p2p_partners_each_get_their_own_view(p2p, partner, other_partner):
    created = by_partner("opportunity.created")
    assert set(created) == {partner.pk, other_partner.pk}
    owner, invited = created[partner.pk], created[other_partner.pk]
    assert owner["notes"] == "Owner's private notes" and owner["crm_id"] == "CRM-1"
    assert "notes" not in invited and "crm_id" not in invited and "close_notes" not in invited
    assert invited["role"] == "invited"
    # The customer consented to share the contact, and the lead shares it.
    assert invited["contact"]["name"] == "李雷"
    leads = by_partner("lead.created")
    assert set(leads) == {partner.pk, other_partner.pk}
    assert leads[partner.pk]["direction"] == "outgoing"
    assert leads[other_partner.pk]["direction"] == "incoming"


def test_without_consent_nobody_gets_a_contact(partner, partner_admin, other_partner):
    make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    assert all(data["contact"] is None for data in by_partner("opportunity.created").values())


def test_each_change_emits_once(p2p, partner, partner_admin, other_partner):
    deal_services.opportunity_update(
        opportunity_id=p2p.pk, actor=partner_admin, now=T0, notes="new notes", value=60000
    )
    updated = by_partner("opportunity.updated")
    assert set(updated) == {partner.pk, other_partner.pk}
    assert updated[partner.pk]["changed"] == ["notes", "value"]
    assert updated[other_partner.pk]["changed"] == ["value"]
    assert updated[other_partner.pk]["value"] == "60000"
    # The same edit again changes nothing and says nothing.
    deal_services.opportunity_update(
        opportunity_id=p2p.pk, actor=partner_admin, now=T0, notes="new notes"
    )
    deal_services.opportunity_set_stage(
        opportunity_id=p2p.pk, stage="qualified", actor=partner_admin, now=T0
    )
    deal_services.opportunity_set_stage(
        opportunity_id=p2p.pk, stage="qualified", actor=partner_admin, now=T0
    )
    assert len(rows("opportunity.updated")) == 4  # the edit and the stage, two partners each
    assert rows("opportunity.updated")[-1].data["changed"] == ["stage"]


def test_a_rolled_back_change_leaves_no_event(partner, partner_admin):
    opportunity = make_opportunity(partner, partner_admin)
    before = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        deal_services.opportunity_update(
            opportunity_id=opportunity.pk, actor=partner_admin, now=T0, name="Renamed"
        )
        assert OutboxEvent.objects.count() == before + 1
        raise RuntimeError("the request fails after the service")
    assert OutboxEvent.objects.count() == before
    # A refused transition writes nothing either.
    deal_services.opportunity_close(
        opportunity_id=opportunity.pk, outcome="won", actor=partner_admin, now=T0
    )
    with pytest.raises(InvalidTransition):
        deal_services.opportunity_set_stage(
            opportunity_id=opportunity.pk, stage="qualified", actor=partner_admin, now=T0
        )
    assert [r.type for r in OutboxEvent.objects.order_by("created_at", "id")][before:] == [
        "opportunity.closed"
    ]


def test_invite_and_upgrade_are_updates(partner, partner_admin, other_partner):
    opportunity = make_opportunity(partner, partner_admin)
    deal_services.opportunity_upgrade(
        opportunity_id=opportunity.pk,
        category=Category.P2P,
        partner_ids=[other_partner.pk],
        actor=partner_admin,
        now=T0,
    )
    [owner, invited] = sorted(rows("opportunity.updated"), key=lambda r: r.partner_id != partner.pk)
    assert owner.data["changed"] == ["category"] and owner.data["category"] == "p2p"
    assert invited.partner_id == other_partner.pk
    third = type(partner).objects.create(name="Tailspin", country="DE")
    deal_services.opportunity_invite(
        opportunity_id=opportunity.pk, partner_id=third.pk, actor=partner_admin, now=T0
    )
    last = [r for r in rows("opportunity.updated") if r.data.get("changed") == ["invited"]]
    assert {r.partner_id for r in last} == {partner.pk, other_partner.pk, third.pk}


def test_lead_answers_reach_sender_and_receiver(p2p, partner, other_partner, other_partner_admin):
    lead = p2p.leads.get()
    lead_services.lead_accept(lead_id=lead.pk, actor=other_partner_admin, now=T0 + days(1))
    accepted = by_partner("lead.accepted")
    assert set(accepted) == {partner.pk, other_partner.pk}
    assert accepted[other_partner.pk]["status"] == "accepted"
    assert accepted[other_partner.pk]["contact"]["email"] == "li.lei@northwind.example"
    # Accepting fills in the stage: an update both partners hear about.
    assert set(by_partner("opportunity.updated")) == {partner.pk, other_partner.pk}


def test_a_declined_lead_hides_the_contact_from_its_receiver(
    p2p, partner, other_partner, other_partner_admin
):
    lead = p2p.leads.get()
    lead_services.lead_decline(
        lead_id=lead.pk, actor=other_partner_admin, reason="other", notes="no", now=T0
    )
    declined = by_partner("lead.declined")
    assert declined[other_partner.pk]["contact"] is None
    assert declined[partner.pk]["contact"]["name"] == "李雷"
    assert declined[partner.pk]["decline_reason"] == "other"


def test_withdraw_and_close(p2p, partner, partner_admin, other_partner):
    deal_services.opportunity_close(
        opportunity_id=p2p.pk, outcome="lost", reason="other", actor=partner_admin, now=T0
    )
    closed = by_partner("opportunity.closed")
    assert set(closed) == {partner.pk, other_partner.pk}
    assert closed[partner.pk]["status"] == "lost"
    withdrawn = by_partner("lead.withdrawn")
    assert set(withdrawn) == {partner.pk, other_partner.pk}
    assert withdrawn[other_partner.pk]["status"] == "withdrawn"


def test_a_lead_to_microsoft_goes_to_its_sender_only(partner, partner_admin, ready_offer):
    opportunity = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer
    )
    [row] = rows("lead.created")
    assert row.partner_id == partner.pk
    assert row.data["receiver"] == "microsoft"
    lead_services.lead_withdraw(lead_id=opportunity.leads.get().pk, actor=partner_admin, now=T0)
    assert [r.partner_id for r in rows("lead.withdrawn")] == [partner.pk]


def test_the_expiry_job_emits_in_bulk(
    partner, partner_admin, other_partner, django_assert_max_num_queries
):
    def invite(n):
        for i in range(n):
            make_opportunity(
                partner,
                partner_admin,
                category=Category.P2P,
                invite_partner_ids=[other_partner.pk],
                customer_name=f"Customer {n}-{i}",
                **CONTACT,
            )

    invite(2)
    with django_assert_max_num_queries(20) as small:
        assert lead_services.lead_expire_due(T0 + days(15)) == 2
    invite(6)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert lead_services.lead_expire_due(T0 + days(15)) == 6
    inserts = [
        q
        for q in large.captured_queries
        if '"webhooks_outboxevent"' in q["sql"] and q["sql"].startswith(("INSERT", "COPY"))
    ]
    assert len(inserts) == 1
    expired = rows("lead.expired")
    assert len(expired) == 16  # sender and receiver of each of the 8 leads
    for row in expired:
        hidden = row.partner_id == other_partner.pk
        assert (row.data["contact"] is None) == hidden
    assert lead_services.lead_expire_due(T0 + days(15)) == 0
    assert len(rows("lead.expired")) == 16
    assert Lead.objects.filter(status=Lead.Status.EXPIRED).count() == 8
