import pytest
from django.core.management import call_command
from django.urls import reverse

from cosell.core import clock
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity as _make_opportunity
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def make_opportunity(*args, **kwargs):
    return _make_opportunity(*args, now=clock.now(), **kwargs)


def url(name, *args):
    return reverse(f"opportunities:{name}", args=args)


FORM = {
    "category": "private",
    "name": "Browser deal",
    "customer_name": "Northwind",
    "customer_country": "US",
    "currency": "USD",
    "value": "100",
    "purchase_intent": "undecided",
    "microsoft_solutions": "Azure",
}


def test_pipeline_lists_by_category_and_stage_with_totals(client_for, partner, partner_admin):
    make_opportunity(partner, partner_admin, value=100)
    make_opportunity(partner, partner_admin, name="EUR", customer_name="B", value=5, currency="EUR")
    response = client_for(partner_admin).get(url("pipeline"))
    assert response.status_code == 200
    content = response.content.decode()
    # amounts are formatted for the language (Babel): € and $ in English
    assert "Data platform" in content and "€5.00" in content and "$100.00" in content
    filtered = client_for(partner_admin).get(url("pipeline") + "?currency=x&search=EUR")
    assert "Data platform" not in filtered.content.decode()
    bad = client_for(partner_admin).get(url("pipeline") + "?close_date_after=never")
    assert bad.status_code == 200


def test_create_in_the_browser_and_duplicate_warning(client_for, partner_admin):
    client = client_for(partner_admin)
    assert client.get(url("opportunity_create")).status_code == 200
    response = client.post(url("opportunity_create"), FORM)
    assert response.status_code == 302
    opp = Opportunity.objects.get()
    assert response["Location"] == url("opportunity_detail", opp.pk)
    warned = client.post(url("opportunity_create"), FORM)
    assert warned.status_code == 409
    assert "confirm_duplicate" in warned.content.decode()
    assert Opportunity.objects.count() == 1
    confirmed = client.post(url("opportunity_create"), {**FORM, "confirm_duplicate": "on"})
    assert confirmed.status_code == 302 and Opportunity.objects.count() == 2


def test_create_form_shows_rule_errors(client_for, partner_admin):
    response = client_for(partner_admin).post(
        url("opportunity_create"), {**FORM, "category": "microsoft"}
    )
    assert response.status_code == 400
    assert "co-sell-ready offer" in response.content.decode()


def test_opportunity_page_and_actions(
    client_for, partner, partner_admin, other_partner, ready_offer
):
    opp = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    client = client_for(partner_admin)
    page = client.get(url("opportunity_detail", opp.pk)).content.decode()
    assert other_partner.name in page and "left" in page and "created" in page
    assert client.get(url("opportunity_edit", opp.pk)).status_code == 200
    response = client.post(
        url("opportunity_edit", opp.pk), {**FORM, "name": "Renamed", "offers": [ready_offer.pk]}
    )
    assert response.status_code == 302
    opp.refresh_from_db()
    assert opp.name == "Renamed"
    assert client.post(url("opportunity_stage", opp.pk), {"stage": "qualified"}).status_code == 302
    third = PartnerFactory()
    assert client.post(url("opportunity_invite", opp.pk), {"partner": third.pk}).status_code == 302
    assert opp.leads.count() == 2
    response = client.post(url("opportunity_close", opp.pk), {"outcome": "lost"})
    assert response.status_code == 400  # a reason is needed
    assert (
        client.post(
            url("opportunity_close", opp.pk), {"outcome": "lost", "reason": "other"}
        ).status_code
        == 302
    )
    opp.refresh_from_db()
    assert opp.status == "lost"
    response = client.post(url("opportunity_stage", opp.pk), {"stage": "proposed"})
    assert response.status_code == 400 and "closed" in response.content.decode()


def test_upgrade_in_the_browser(client_for, partner, partner_admin, ready_offer):
    opp = make_opportunity(partner, partner_admin, offer=ready_offer)
    client = client_for(partner_admin)
    assert client.get(url("opportunity_upgrade", opp.pk)).status_code == 200
    assert (
        client.post(url("opportunity_upgrade", opp.pk), {"category": "microsoft"}).status_code
        == 302
    )
    assert Opportunity.objects.get(pk=opp.pk).category == "microsoft"


def test_lead_inbox_accept_in_one_click_and_decline_with_a_reason(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    first = make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )
    second = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        name="Second",
        customer_name="Other",
        invite_partner_ids=[other_partner.pk],
    )
    client = client_for(other_partner_admin)
    inbox = client.get(url("lead_inbox")).content.decode()
    assert "Data platform" in inbox and "Second" in inbox and "left" in inbox
    lead = first.leads.get()
    response = client.post(url("lead_accept", lead.pk))
    assert response.status_code == 302
    assert response["Location"] == url("opportunity_detail", first.pk)
    assert client.get(response["Location"]).status_code == 200
    other = second.leads.get()
    assert client.get(url("lead_decline", other.pk)).status_code == 200
    assert client.post(url("lead_decline", other.pk), {"reason": "other"}).status_code == 400
    assert (
        client.post(url("lead_decline", other.pk), {"reason": "other", "notes": "No"}).status_code
        == 302
    )
    assert Lead.objects.get(pk=other.pk).status == "declined"
    # the sender sees the outcome in its outgoing leads and can't withdraw any more
    sender = client_for(partner_admin)
    assert "Declined" in sender.get(url("lead_inbox")).content.decode()
    sender.post(url("lead_withdraw", other.pk))
    assert Lead.objects.get(pk=other.pk).status == "declined"


def test_seller_queue_send_and_detail(client_for, partner, partner_admin, seller, ready_offer):
    security = co_sell_ready_offer(partner, solution_areas=["security"])
    queued = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=security
    ).leads.get()
    client = client_for(seller)
    queue = client.get(url("lead_queue")).content.decode()
    assert "Data platform" in queue
    assert client.get(url("lead_detail", queued.pk)).status_code == 200
    response = client.post(url("lead_accept", queued.pk))
    assert response.status_code == 302
    assert Lead.objects.get(pk=queued.pk).answered_by == seller
    assert "Data platform" not in client.get(url("lead_queue")).content.decode()
    assert client.get(url("lead_send")).status_code == 200
    response = client.post(
        url("lead_send"),
        {"offer": ready_offer.pk, "customer_name": "Alpine", "customer_country": "US"},
    )
    assert response.status_code == 302
    assert Lead.objects.filter(source="seller", receiver_partner=partner).exists()


def test_home_panel_shows_leads_about_to_expire(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    from datetime import timedelta

    _make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        invite_partner_ids=[other_partner.pk],
        now=clock.now() - timedelta(days=12),
    )
    page = client_for(other_partner_admin).get(reverse("home")).content.decode()
    assert "1 lead waits for your answer" in page
    assert (
        "lead waits for your answer"
        not in client_for(partner_admin).get(reverse("home")).content.decode()
    )


def test_pages_are_out_of_reach_for_others(
    client_for,
    partner,
    partner_admin,
    partner_user,
    other_partner,
    other_partner_admin,
    seller,
    cn_seller,
    ready_offer,
):
    private = make_opportunity(partner, partner_admin)
    ms = make_opportunity(
        partner,
        partner_admin,
        category=Category.MICROSOFT,
        offer=ready_offer,
        name="MS",
        customer_name="X",
    )
    p2p = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        name="P",
        customer_name="Y",
        invite_partner_ids=[other_partner.pk],
    )
    uninvited = MembershipFactory(partner=PartnerFactory(), role="admin").user
    ms_lead, p2p_lead = ms.leads.get(), p2p.leads.get()
    opp_pages = [
        "opportunity_detail",
        "opportunity_edit",
        "opportunity_invite",
        "opportunity_upgrade",
        "opportunity_close",
        "opportunity_stage",
    ]
    for user in (other_partner_admin, uninvited, seller, cn_seller, partner_user):
        client = client_for(user)
        for opp in (private, ms, p2p):
            for name in opp_pages:
                assert client.get(url(name, opp.pk)).status_code == 404, (user, name)
    for user in (uninvited, cn_seller, partner_user):
        client = client_for(user)
        for lead in (ms_lead,) if user != partner_user else ():
            assert client.get(url("lead_detail", lead.pk)).status_code == 404
            assert client.post(url("lead_accept", lead.pk)).status_code == 404
            assert client.get(url("lead_decline", lead.pk)).status_code == 404
            assert client.post(url("lead_withdraw", lead.pk)).status_code == 404
    assert client_for(uninvited).get(url("lead_detail", p2p_lead.pk)).status_code == 404
    assert client_for(other_partner_admin).get(url("lead_detail", p2p_lead.pk)).status_code == 200
    assert client_for(other_partner_admin).get(url("lead_detail", ms_lead.pk)).status_code == 404
    # role gates
    assert client_for(partner_admin).get(url("lead_queue")).status_code == 403
    assert client_for(partner_admin).get(url("lead_send")).status_code == 403
    assert client_for(seller).get(url("opportunity_create")).status_code == 403
    assert client_for(seller).get(url("pipeline")).status_code == 200
    assert "MS" not in client_for(cn_seller).get(url("pipeline")).content.decode()


@pytest.mark.parametrize("page", ["pipeline", "lead_inbox"])
def test_page_query_count_does_not_grow(
    client_for, partner, partner_admin, other_partner, django_assert_max_num_queries, page
):
    client = client_for(partner_admin)

    def add(n):
        for i in range(n):
            make_opportunity(
                partner,
                partner_admin,
                category=Category.P2P,
                name=f"d{i}-{n}",
                customer_name=f"c{i}-{n}",
                invite_partner_ids=[other_partner.pk],
            )

    add(2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url(page)).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(page)).status_code == 200


def test_seller_queue_query_count_does_not_grow(
    client_for, partner, partner_admin, seller, django_assert_max_num_queries
):
    security = co_sell_ready_offer(partner, solution_areas=["security"])
    client = client_for(seller)

    def add(n):
        for i in range(n):
            make_opportunity(
                partner,
                partner_admin,
                category=Category.MICROSOFT,
                offer=security,
                name=f"q{i}-{n}",
                customer_name=f"c{i}-{n}",
            )

    add(2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url("lead_queue")).status_code == 200
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("lead_queue")).status_code == 200


def test_admin_lists_and_reassigns(
    client_for, admin_user, partner, partner_admin, ready_offer, seller, cn_seller
):
    lead = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer
    ).leads.get()
    client = client_for(admin_user)
    assert client.get("/admin/opportunities/opportunity/?category=microsoft").status_code == 200
    assert (
        client.get(f"/admin/opportunities/opportunity/{lead.opportunity_id}/change/").status_code
        == 200
    )
    assert client.get("/admin/opportunities/lead/?status=received").status_code == 200
    page = client.get(f"/admin/opportunities/lead/{lead.pk}/change/").content.decode()
    assert "sent" in page
    step1 = client.post(
        "/admin/opportunities/lead/", {"action": "reassign", "_selected_action": [lead.pk]}
    )
    assert step1.status_code == 200 and "Reassign" in step1.content.decode()
    step2 = client.post(
        "/admin/opportunities/lead/",
        {
            "action": "reassign",
            "_selected_action": [lead.pk],
            "apply": "1",
            "seller": cn_seller.seller.pk,
        },
    )
    assert step2.status_code == 302
    lead.refresh_from_db()
    assert lead.receiver_seller == cn_seller.seller


def test_demo_seed_is_idempotent(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = (Opportunity.objects.count(), Lead.objects.count())
    assert first[0] >= 4
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Opportunity.objects.count(), Lead.objects.count()) == first
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert {"received", "accepted", "expired"} <= statuses
