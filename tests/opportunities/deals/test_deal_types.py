"""Issue 13: deal types of ``microsoft`` deals, P2P inviting Microsoft, solution assessments
carrying only their assessment, and marketplace leads that need no answer."""

import pytest

from cosell.core.errors import InvalidTransition, ValidationFailed
from cosell.core.models import AuditEvent
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category, DealType
from opportunities.deals.models import Opportunity
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import T0, days, make_opportunity

pytestmark = pytest.mark.django_db


def test_help_asked_is_a_co_sell_deal_with_a_lead_to_answer(partner, partner_admin, ready_offer):
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        help_needed=["proof_of_concept"],
    )
    assert opp.deal_type == DealType.CO_SELL
    lead = opp.leads.get()
    assert lead.receiver == Lead.Receiver.MICROSOFT and lead.needs_answer
    assert lead.expires_at == T0 + days(14)


def test_no_help_but_shared_is_partner_led_nothing_to_accept_no_expiry(
    partner, partner_admin, ready_offer, seller
):
    """Fails on the old code: a deal asking no help sent sellers a lead to accept in 14 days."""
    opp = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer, help_needed=[]
    )
    assert opp.deal_type == DealType.PARTNER_LED
    lead = opp.leads.get()
    assert lead.receiver == Lead.Receiver.MICROSOFT
    assert (lead.needs_answer, lead.expires_at, lead.is_for_visibility) == (False, None, True)
    assert lead.receiver_seller is not None  # routed: the seller can view it
    with pytest.raises(InvalidTransition):
        lead_services.lead_accept(lead_id=lead.pk, actor=seller, now=T0 + days(1))
    with pytest.raises(InvalidTransition):
        lead_services.lead_decline(
            lead_id=lead.pk, actor=seller, reason="other", notes="x", now=T0 + days(1)
        )
    assert lead_services.lead_expire_due(T0 + days(400)) == 0
    assert lead_services.lead_remind_due(T0 + days(13.5)) == 0
    lead.refresh_from_db()
    assert lead.status == Lead.Status.RECEIVED


def test_no_help_and_not_shared_is_a_private_deal(partner, partner_admin, ready_offer):
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        help_needed=[],
        share_with_microsoft=False,
    )
    assert (opp.category, opp.deal_type) == (Category.PRIVATE, "")
    assert not opp.leads.exists()


def test_a_given_deal_type_must_agree_with_the_help(partner, partner_admin, ready_offer):
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(
            partner,
            partner_admin,
            category=Category.MICROSOFT,
            offer=ready_offer,
            help_needed=[],
            deal_type="co_sell",
        )
    assert "help_needed" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(
            partner,
            partner_admin,
            category=Category.MICROSOFT,
            offer=ready_offer,
            help_needed=["general"],
            deal_type="partner_led",
        )
    assert "deal_type" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(partner, partner_admin, deal_type="partner_led")
    assert "deal_type" in exc.value.errors


def test_a_partner_led_deal_turns_co_sell_when_it_asks_for_help(
    partner, partner_admin, ready_offer, seller, django_capture_on_commit_callbacks
):
    opp = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer, help_needed=[]
    )
    lead = opp.leads.get()
    with django_capture_on_commit_callbacks(execute=True):
        deal_services.opportunity_update(
            opportunity_id=opp.pk,
            actor=partner_admin,
            now=T0 + days(3),
            help_needed=["quotes_licensing"],
        )
    opp.refresh_from_db()
    lead.refresh_from_db()
    assert opp.deal_type == DealType.CO_SELL
    assert (lead.needs_answer, lead.expires_at) == (True, T0 + days(17))
    event = AuditEvent.objects.get(verb="deal_type_changed", subject_id=str(opp.pk))
    assert (event.from_state, event.to_state) == ("partner_led", "co_sell")
    accepted = lead_services.lead_accept(lead_id=lead.pk, actor=seller, now=T0 + days(4))
    assert accepted.status == Lead.Status.ACCEPTED
    # A co-sell deal keeps asking for help.
    with pytest.raises(ValidationFailed) as exc:
        deal_services.opportunity_update(
            opportunity_id=opp.pk, actor=partner_admin, now=T0 + days(5), help_needed=[]
        )
    assert "help_needed" in exc.value.errors


def test_a_p2p_deal_can_invite_microsoft_too(partner, partner_admin, other_partner, ready_offer):
    """Fails on the old code: a P2P deal could not invite Microsoft."""
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        offer=ready_offer,
        invite_partner_ids=[other_partner.pk],
        invite_microsoft=True,
    )
    receivers = sorted(opp.leads.values_list("receiver", flat=True))
    assert receivers == [Lead.Receiver.MICROSOFT, Lead.Receiver.PARTNER]
    with pytest.raises(ValidationFailed) as exc:
        make_opportunity(partner, partner_admin, invite_microsoft=True, customer_name="Other")
    assert "invite_microsoft" in exc.value.errors


def test_a_solution_assessment_carries_only_its_assessment(partner, partner_admin, ready_offer):
    """Fails on the old code: an assessment accepted other solutions beside it."""
    partner.sa_vetted = True
    partner.save()
    with pytest.raises(ValidationFailed) as exc:
        deal_services.opportunity_create(
            partner=partner,
            actor=partner_admin,
            now=T0,
            category=Category.SOLUTION_ASSESSMENT,
            name="SA",
            customer_name="Fourth Coffee",
            customer_country="US",
            assessment_type="security",
            solutions=[{"offer_id": ready_offer.pk}],
        )
    assert "solutions" in exc.value.errors
    opp = deal_services.opportunity_create(
        partner=partner,
        actor=partner_admin,
        now=T0,
        category=Category.SOLUTION_ASSESSMENT,
        name="SA",
        customer_name="Fourth Coffee",
        customer_country="US",
        assessment_type="security",
        solutions=[],
    )
    assert not opp.solutions.exists() and opp.assessment_type == "security"


def test_api_deal_type_field(client_for, partner_admin, ready_offer):
    client = client_for(partner_admin)
    base = {
        "category": "microsoft",
        "name": "Partner-led",
        "customer_name": "Northwind",
        "customer_country": "US",
        "solutions": [{"offer_id": ready_offer.pk}],
    }
    led = client.post("/api/v1/opportunities/", base, content_type="application/json")
    assert led.status_code == 201 and led.json()["deal_type"] == "partner_led"
    co = client.post(
        "/api/v1/opportunities/",
        {**base, "customer_name": "Tailspin", "help_needed": ["general"]},
        content_type="application/json",
    )
    assert co.status_code == 201 and co.json()["deal_type"] == "co_sell"
    bad = client.post(
        "/api/v1/opportunities/",
        {**base, "customer_name": "Litware", "deal_type": "co_sell"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "help_needed" in bad.json()["errors"]
    lead_id = Opportunity.objects.get(pk=led.json()["id"]).leads.get().pk
    lead = client.get(f"/api/v1/leads/{lead_id}/").json()
    assert (lead["needs_answer"], lead["expires_at"], lead["time_left_seconds"]) == (
        False,
        None,
        None,
    )


# Marketplace leads


@pytest.mark.parametrize("cta", ["get_it_now", "free_trial", "test_drive"])
def test_marketplace_leads_other_than_contact_me_need_no_answer_and_never_expire(
    partner, partner_admin, ready_offer, cta
):
    """Fails on the old code: they expired after 14 days as if someone had to answer."""
    lead = lead_services.marketplace_lead_create(
        offer_id=ready_offer.pk, call_to_action=cta, customer_name="Woodgrove", now=T0
    )
    assert (lead.needs_answer, lead.expires_at) == (False, None)
    assert lead.kept_until == T0 + days(183)
    assert lead_services.lead_expire_due(T0 + days(100)) == 0
    lead.refresh_from_db()
    assert lead.status == Lead.Status.RECEIVED
    # The partner may still take it up.
    assert lead_services.lead_accept(
        lead_id=lead.pk, actor=partner_admin, now=T0 + days(100)
    ).status


def test_contact_me_keeps_the_14_day_answer(partner, ready_offer):
    lead = lead_services.marketplace_lead_create(
        offer_id=ready_offer.pk, call_to_action="contact_me", customer_name="Woodgrove", now=T0
    )
    assert (lead.needs_answer, lead.expires_at) == (True, T0 + days(14))
    assert lead_services.lead_expire_due(T0 + days(15)) == 1


def test_the_archive_job_takes_them_out_of_the_inbox_after_6_months(
    client_for, partner, partner_admin, ready_offer
):
    lead = lead_services.marketplace_lead_create(
        offer_id=ready_offer.pk, call_to_action="free_trial", customer_name="Woodgrove", now=T0
    )
    contact = lead_services.marketplace_lead_create(
        offer_id=ready_offer.pk, call_to_action="contact_me", customer_name="Fabrikam", now=T0
    )
    inbox = client_for(partner_admin).get("/leads/").content.decode()
    assert "Woodgrove" in inbox and "no answer needed" in inbox
    assert lead_services.lead_archive_marketplace_due(T0 + days(182)) == 0
    assert lead_services.lead_archive_marketplace_due(T0 + days(184)) == 1
    assert lead_services.lead_archive_marketplace_due(T0 + days(184)) == 0  # idempotent
    lead.refresh_from_db()
    contact.refresh_from_db()
    assert lead.archived_at == T0 + days(184) and contact.archived_at is None
    assert AuditEvent.objects.filter(verb="archived", subject_id=str(lead.pk)).count() == 1
    inbox = client_for(partner_admin).get("/leads/").content.decode()
    assert "Woodgrove" not in inbox


def test_the_archive_job_is_registered():
    from django.conf import settings

    from cosell.core import periodic

    assert "leads.archive_marketplace" in periodic.jobs()
    assert "leads.archive_marketplace" in settings.PERIODIC_JOB_SCHEDULES


def test_the_opportunity_page_never_calls_a_lost_deal_eligible(client_for, partner, partner_admin):
    """Fails on the old page: a lost USD 100 deal said "eligible" from its category alone. Deal
    registration (its checklist) is offered on won deals only."""
    opp = make_opportunity(partner, partner_admin, category=Category.P2P, value=100)
    deal_services.opportunity_close(
        opportunity_id=opp.pk, outcome="lost", reason="other", actor=partner_admin, now=T0
    )
    page = client_for(partner_admin).get(f"/opportunities/{opp.pk}/").content.decode()
    assert opp.name in page
    assert "eligible" not in page
    assert "Register this deal" not in page
    assert "A deal is registered once it is won." in page


def test_the_sellers_lead_page_shows_solutions_help_value_and_documents(
    client_for, partner, partner_admin, ready_offer, seller, settings, tmp_path
):
    from tests.offers.factories import OfferDocumentFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    document = OfferDocumentFactory(offer=ready_offer, kind="pitch_deck")
    opp = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        value=75000,
        help_needed=["proof_of_concept"],
    )
    lead = opp.leads.get()
    client = client_for(seller)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    for text in (ready_offer.name, "Proof of concept", "75,000", "Co-sell", document.original_name):
        assert text in page, text
    download = client.get(f"/offers/{ready_offer.pk}/documents/{document.pk}/")
    assert download.status_code == 200
