"""Issue 13, point 2: a partner-led deal is shared with Microsoft for visibility. The seller its
lead is routed to, and every seller while it waits in the shared queue, view it, read-only; a
P2P deal can invite Microsoft later on, through the same service as at creation.

Each test below fails on the code before: sellers saw a partner-led deal only through its lead
page (the deal page answered 404), and the invite action took partners only."""

import pytest

from cosell.core.models import AuditEvent
from opportunities import rules
from opportunities.deals import selectors
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category, DealType
from opportunities.deals.models import Opportunity
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from tests.offers.factories import OfferFactory
from tests.opportunities.conftest import T0, days, make_opportunity

pytestmark = pytest.mark.django_db

SECRET_CRM = "CRM-SECRET-42"


def _partner_led(partner, partner_admin, offer, **kw):
    deal = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=offer,
        help_needed=[],
        name="Visible lakehouse",
        crm_id=SECRET_CRM,
        notes="Shared with Microsoft for visibility",
        **kw,
    )
    assert deal.deal_type == DealType.PARTNER_LED
    return deal


def test_the_routed_seller_views_a_partner_led_deal_read_only(
    client_for, partner, partner_admin, ready_offer, seller
):
    deal = _partner_led(partner, partner_admin, ready_offer)
    lead = deal.leads.get()
    assert lead.receiver_seller.user == seller
    client = client_for(seller)
    page = client.get(f"/opportunities/{deal.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Visible lakehouse" in html and "Shared with Microsoft for visibility" in html
    assert SECRET_CRM not in html  # what a seller may see: not the partner's CRM id
    assert f"/opportunities/{deal.pk}/edit/" not in html
    api = client.get(f"/api/v1/opportunities/{deal.pk}/")
    assert api.status_code == 200 and "crm_id" not in api.json()
    assert api.json()["deal_type"] == "partner_led"
    # Read-only: no edit, stage or close, and nothing changes.
    assert client.get(f"/opportunities/{deal.pk}/edit/").status_code == 403
    assert client.post(f"/opportunities/{deal.pk}/stage/", {"stage": "qualified"}).status_code in (
        403,
        404,
    )
    assert (
        client.post(
            f"/api/v1/opportunities/{deal.pk}/stage/",
            {"stage": "qualified"},
            content_type="application/json",
        ).status_code
        == 403
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == ("created", 1)
    assert not deal.team.filter(user=seller).exists()
    assert rules.seller_views_shared_deal(seller, deal)
    assert seller.has_perm("opportunities.view_shared_deal", deal)
    assert not seller.has_perm("opportunities.change_opportunity", deal)


def test_a_seller_not_routed_and_another_partner_get_404(
    client_for, partner, partner_admin, ready_offer, seller, cn_seller, other_partner_admin
):
    deal = _partner_led(partner, partner_admin, ready_offer)
    assert deal.leads.get().receiver_seller.user == seller
    for user in (cn_seller, other_partner_admin):
        client = client_for(user)
        assert client.get(f"/opportunities/{deal.pk}/").status_code == 404, user
        assert client.get(f"/api/v1/opportunities/{deal.pk}/").status_code == 404, user
        ids = [row["id"] for row in client.get("/api/v1/opportunities/").json()["results"]]
        assert deal.pk not in ids
    assert not rules.seller_views_shared_deal(cn_seller, deal)
    assert not rules.seller_views_shared_deal(other_partner_admin, deal)


def test_every_seller_views_it_while_it_waits_in_the_shared_queue(
    client_for, partner, partner_admin, ready_offer, seller, cn_seller
):
    deal = _partner_led(partner, partner_admin, ready_offer, customer_country="FR")
    lead = deal.leads.get()
    assert lead.receiver_seller is None  # no territory covers France: the shared queue
    for user in (seller, cn_seller):
        assert client_for(user).get(f"/opportunities/{deal.pk}/").status_code == 200
    # Closed, its lead is withdrawn and leaves the queue: so does the deal.
    deal_services.opportunity_close(
        opportunity_id=deal.pk, outcome="lost", reason="other", actor=partner_admin, now=T0
    )
    for user in (seller, cn_seller):
        assert client_for(user).get(f"/opportunities/{deal.pk}/").status_code == 404


def test_a_closed_deal_stays_visible_to_the_seller_it_was_routed_to(
    client_for, partner, partner_admin, ready_offer, seller
):
    deal = _partner_led(partner, partner_admin, ready_offer)
    deal_services.opportunity_close(
        opportunity_id=deal.pk, outcome="won", actor=partner_admin, now=T0 + days(1)
    )
    assert client_for(seller).get(f"/opportunities/{deal.pk}/").status_code == 200


def test_co_sell_deals_still_open_to_sellers_by_accepting(
    client_for, partner, partner_admin, ready_offer, seller
):
    """The visibility is the partner-led deal's: a co-sell deal asks for an answer first."""
    deal = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer, now=T0
    )
    assert deal.deal_type == DealType.CO_SELL
    client = client_for(seller)
    assert client.get(f"/opportunities/{deal.pk}/").status_code == 404
    lead_services.lead_accept(lead_id=deal.leads.get().pk, actor=seller, now=T0 + days(1))
    assert client.get(f"/opportunities/{deal.pk}/").status_code == 200


def test_a_partner_led_deal_turned_co_sell_is_answered_before_it_is_viewed(
    client_for, partner, partner_admin, ready_offer, seller
):
    deal = _partner_led(partner, partner_admin, ready_offer)
    client = client_for(seller)
    assert client.get(f"/opportunities/{deal.pk}/").status_code == 200
    deal_services.opportunity_update(
        opportunity_id=deal.pk, actor=partner_admin, now=T0 + days(1), help_needed=["general"]
    )
    assert client.get(f"/opportunities/{deal.pk}/").status_code == 404
    lead_services.lead_accept(lead_id=deal.leads.get().pk, actor=seller, now=T0 + days(2))
    assert client.get(f"/opportunities/{deal.pk}/").status_code == 200


def test_the_seller_finds_it_on_the_home_page_the_inbox_and_the_lead_page(
    client_for, partner, partner_admin, ready_offer, seller, cn_seller
):
    deal = _partner_led(partner, partner_admin, ready_offer)
    lead = deal.leads.get()
    link = f'href="/opportunities/{deal.pk}/"'
    client = client_for(seller)
    home = client.get("/").content.decode()
    assert "1 partner-led deal shared with you" in home and link in home
    inbox = client.get("/leads/").content.decode()
    assert link in inbox and "View the partner-led deal" in inbox
    assert link in client.get(f"/leads/{lead.pk}/").content.decode()
    pipeline = client.get("/pipeline/").content.decode()
    assert "Visible lakehouse" in pipeline
    # Not routed to them: neither on their home nor in their pipeline.
    other = client_for(cn_seller)
    assert "partner-led deal" not in other.get("/").content.decode()
    assert "Visible lakehouse" not in other.get("/pipeline/").content.decode()


def test_a_shared_deal_past_its_close_date_is_not_the_sellers_work(
    client_for, partner, partner_admin, ready_offer, seller
):
    import datetime

    deal = _partner_led(partner, partner_admin, ready_offer, close_date=datetime.date(2020, 1, 1))
    home = client_for(seller).get("/").content.decode()
    assert "partner-led deal shared with you" in home
    assert "Deals past their close date" not in home
    assert Opportunity.objects.filter(pk=deal.pk, close_date__year=2020).exists()


def test_the_policy_and_the_rows_agree(partner, partner_admin, ready_offer, seller, cn_seller):
    routed = _partner_led(partner, partner_admin, ready_offer)
    queued = _partner_led(
        partner, partner_admin, ready_offer, customer_country="FR", customer_name="Fourth"
    )
    co_sell = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        customer_name="Other",
    )
    for user in (seller, cn_seller):
        listed = set(selectors.opportunity_list(user=user).values_list("pk", flat=True))
        for deal in (routed, queued, co_sell):
            assert (deal.pk in listed) == rules.seller_views_shared_deal(user, deal), (user, deal)
    assert set(selectors.opportunity_list(user=seller).values_list("pk", flat=True)) == {
        routed.pk,
        queued.pk,
    }


# Microsoft invited later on to an active P2P deal


def _p2p(partner, partner_admin, other_partner, offer):
    return make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        offer=offer,
        invite_partner_ids=[other_partner.pk],
    )


def test_the_invite_page_invites_microsoft_to_an_active_p2p_deal(
    client_for, partner, partner_admin, other_partner, ready_offer, seller
):
    deal = _p2p(partner, partner_admin, other_partner, ready_offer)
    client = client_for(partner_admin)
    form = client.get(f"/opportunities/{deal.pk}/invite/").content.decode()
    assert 'name="invite_microsoft"' in form
    response = client.post(f"/opportunities/{deal.pk}/invite/", {"invite_microsoft": "on"})
    assert response.status_code == 302
    lead = deal.leads.get(receiver=Lead.Receiver.MICROSOFT)
    assert (lead.needs_answer, lead.status, lead.receiver_seller.user) == (
        True,
        Lead.Status.RECEIVED,
        seller,
    )
    assert lead.expires_at is not None
    event = AuditEvent.objects.filter(verb="invited", subject_id=str(deal.pk)).get()
    assert event.extra == {"microsoft": True}
    # Once Microsoft has its lead, the page no longer offers it; asking again changes nothing.
    form = client.get(f"/opportunities/{deal.pk}/invite/").content.decode()
    assert 'name="invite_microsoft"' not in form
    again = deal_services.opportunity_invite(
        opportunity_id=deal.pk, invite_microsoft=True, actor=partner_admin, now=T0 + days(1)
    )
    assert again == lead
    assert deal.leads.filter(receiver=Lead.Receiver.MICROSOFT).count() == 1


def test_the_invite_page_asks_for_one_partner_or_microsoft(
    client_for, partner, partner_admin, other_partner, ready_offer
):
    deal = _p2p(partner, partner_admin, other_partner, ready_offer)
    client = client_for(partner_admin)
    neither = client.post(f"/opportunities/{deal.pk}/invite/", {"partner": ""})
    assert neither.status_code == 400
    both = client.post(
        f"/opportunities/{deal.pk}/invite/",
        {"invite_microsoft": "on", "partner": other_partner.pk},
    )
    assert both.status_code == 400
    assert not deal.leads.filter(receiver=Lead.Receiver.MICROSOFT).exists()


def test_the_api_invites_microsoft(
    client_for, partner, partner_admin, other_partner, ready_offer, seller
):
    deal = _p2p(partner, partner_admin, other_partner, ready_offer)
    client = client_for(partner_admin)
    url = f"/api/v1/opportunities/{deal.pk}/invite/"
    response = client.post(
        url,
        {"invite_microsoft": True},
        content_type="application/json",
        headers={"If-Match": f'"{deal.pk}-{deal.version}"'},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["receiver"] == "microsoft" and body["needs_answer"] is True
    for bad in ({}, {"invite_microsoft": True, "partner_id": other_partner.pk}):
        answer = client.post(url, bad, content_type="application/json")
        assert answer.status_code == 400 and "partner_id" in answer.json()["errors"], bad
    # The seller answers it like a lead sent at creation.
    lead = Lead.objects.get(pk=body["id"])
    assert lead_services.lead_accept(lead_id=lead.pk, actor=seller, now=T0 + days(1)).status == (
        Lead.Status.ACCEPTED
    )


def test_only_active_p2p_deals_invite_microsoft(
    client_for, partner, partner_admin, other_partner, ready_offer
):
    private = make_opportunity(partner, partner_admin, customer_name="Private one")
    client = client_for(partner_admin)
    response = client.post(
        f"/api/v1/opportunities/{private.pk}/invite/",
        {"invite_microsoft": True},
        content_type="application/json",
    )
    assert response.status_code == 409
    deal = _p2p(partner, partner_admin, other_partner, ready_offer)
    deal_services.opportunity_close(
        opportunity_id=deal.pk, outcome="lost", reason="other", actor=partner_admin, now=T0
    )
    response = client.post(
        f"/api/v1/opportunities/{deal.pk}/invite/",
        {"invite_microsoft": True},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert not Lead.objects.filter(receiver=Lead.Receiver.MICROSOFT).exists()


# Point 5: the seller's lead page


def test_the_sellers_lead_page_links_only_offers_the_seller_may_open(
    client_for, partner, partner_admin, other_partner, ready_offer, seller
):
    """Fails on the old page: every offer of the deal was a link, a draft one answering 404."""
    draft = OfferFactory(partner=partner, name="Draft connector")
    deal = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        solutions=[{"offer_id": ready_offer.pk}, {"offer_id": draft.pk}],
        invite_partner_ids=[other_partner.pk],
        invite_microsoft=True,
    )
    lead = deal.leads.get(receiver=Lead.Receiver.MICROSOFT)
    client = client_for(seller)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Draft connector" in page
    assert f'href="/offers/{ready_offer.pk}/"' in page
    assert f'href="/offers/{draft.pk}/"' not in page
    assert client.get(f"/offers/{draft.pk}/").status_code == 404
