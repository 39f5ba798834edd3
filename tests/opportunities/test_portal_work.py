"""The browser portal for daily work: what is waiting first, deal figures that make sense,
wording from the viewer's side (issue 16)."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from cosell.core import clock
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category
from opportunities.deals.forms import CloseForm, OpportunityForm
from opportunities.deals.limits import currency_choices
from opportunities.leads import selectors
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity as _make_opportunity
from tests.partners.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_opportunity(*args, **kwargs):
    return _make_opportunity(*args, now=clock.now(), **kwargs)


def nav_count(html: str) -> str | None:
    match = re.search(r'class="badge rounded-pill bg-warning text-dark nav-count">(\d+)', html)
    return match.group(1) if match else None


def p2p_lead(partner, actor, invited, **kw) -> Lead:
    opportunity = make_opportunity(
        partner, actor, category=Category.P2P, invite_partner_ids=[invited.pk], **kw
    )
    return opportunity.leads.get()


# --- Waiting work first ---------------------------------------------------------------


def test_navigation_counts_the_leads_waiting_and_follows_the_work(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    p2p_lead(partner, partner_admin, other_partner)
    p2p_lead(partner, partner_admin, other_partner, name="Second", customer_name="Fabrikam")
    page = client_for(other_partner_admin).get(reverse("home")).content.decode()
    assert nav_count(page) == "2"
    assert "2 leads wait for your answer" in page
    nav = page[page.index('id="nav"') : page.index("</ul>", page.index('id="nav"'))]
    order = [nav.index(f">{word}") for word in ("Home", "Leads", "Pipeline", "Offers")]
    assert order == sorted(order)
    assert nav.index(">Offers") < nav.index(">Webhooks")
    # The sender waits for nobody's answer: no count.
    assert nav_count(client_for(partner_admin).get(reverse("home")).content.decode()) is None


def test_answered_and_expired_leads_stop_waiting(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    lead = p2p_lead(partner, partner_admin, other_partner)
    now = clock.now()
    assert selectors.leads_waiting_count(user=other_partner_admin, now=now) == 1
    later = lead.expires_at + timedelta(seconds=1)
    assert selectors.leads_waiting_count(user=other_partner_admin, now=later) == 0
    lead_services.lead_accept(lead_id=lead.pk, actor=other_partner_admin, now=now)
    assert selectors.leads_waiting_count(user=other_partner_admin, now=now) == 0


def test_navigation_count_is_one_query(
    client_for,
    partner,
    partner_admin,
    other_partner,
    other_partner_admin,
    django_assert_num_queries,
):
    from django.test import RequestFactory

    from opportunities.context_processors import leads_waiting

    p2p_lead(partner, partner_admin, other_partner)
    request = RequestFactory().get("/")
    request.user = other_partner_admin
    other_partner_admin.membership_or_none  # the role's own lookups are the role processor's
    context = leads_waiting(request)
    with django_assert_num_queries(1):
        assert str(context["leads_waiting"]) == "1"


def test_seller_waits_only_for_leads_routed_to_them(partner, partner_admin, ready_offer):
    seller = SellerFactory(user=UserFactory(username="mei"), countries=["US"]).user
    other = SellerFactory(user=UserFactory(username="chen2"), countries=["CN"]).user
    make_opportunity(partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer)
    now = clock.now()
    assert selectors.leads_waiting_count(user=seller, now=now) == 1
    assert selectors.leads_waiting_count(user=other, now=now) == 0


def test_home_lists_deals_past_their_close_date(client_for, partner, partner_admin):
    make_opportunity(partner, partner_admin, close_date=clock.now().date() - timedelta(days=3))
    page = client_for(partner_admin).get(reverse("home")).content.decode()
    assert "Waiting for you" in page and "Deals past their close date" in page


def test_partner_user_is_told_whose_deals_the_pipeline_shows(
    client_for, partner, partner_admin, partner_user
):
    make_opportunity(partner, partner_admin)
    page = client_for(partner_user).get(reverse("opportunities:pipeline")).content.decode()
    assert "You see the deals whose team you are on" in page
    assert "has 1 deal in all" in page
    assert str(partner_admin) in page
    assert "No deals yet" not in page
    admin_page = client_for(partner_admin).get(reverse("opportunities:pipeline")).content.decode()
    assert "You see the deals whose team you are on" not in admin_page


# --- Deal figures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("close_date", "1999-12-31"),
        ("currency", "ZZZ"),
        ("value", "999999999999"),
    ],
)
def test_api_refuses_impossible_deal_figures_naming_the_field(
    client_for, partner_admin, field, value
):
    data = {
        "category": "private",
        "name": "Data platform",
        "customer_name": "Northwind",
        "value": "1000.00",
        "currency": "USD",
        "solutions": [{"kind": "microsoft", "name": "Azure"}],
        field: value,
    }
    response = client_for(partner_admin).post(
        "/api/v1/opportunities/", data, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) >= {"status", "code", "detail", "errors"}
    assert field in body["errors"]


def test_value_bound_is_a_setting(client_for, partner_admin, settings):
    settings.COSELL_DEAL_VALUE_MAX = 1000
    data = {
        "category": "private",
        "name": "Data platform",
        "customer_name": "Northwind",
        "value": "1000.01",
        "currency": "EUR",
        "solutions": [{"kind": "microsoft", "name": "Azure"}],
    }
    client = client_for(partner_admin)
    response = client.post("/api/v1/opportunities/", data, content_type="application/json")
    assert response.status_code == 400 and "value" in response.json()["errors"]
    data["value"] = "1000.00"
    response = client.post("/api/v1/opportunities/", data, content_type="application/json")
    assert response.status_code == 201, response.content


def test_currency_is_a_select_with_the_usual_currency_first(partner, partner_admin):
    for name in ("One", "Two"):
        make_opportunity(partner, partner_admin, name=name, customer_name=name, currency="EUR")
    make_opportunity(partner, partner_admin, name="3", customer_name="3", currency="USD")
    from opportunities.deals.kinds import KINDS

    form = OpportunityForm(partner=partner, kind=KINDS["p2p"])
    choices = [code for code, _label in form.fields["currency"].choices]
    assert choices[0] == "EUR" and form.fields["currency"].initial == "EUR"
    assert "USD" in choices and "ZZZ" not in choices and len(choices) > 100
    html = str(form["currency"])
    assert html.startswith("<select")
    assert form.fields["offers"].widget.input_type == "checkbox"
    assert form.fields["invite_partners"].widget.input_type == "checkbox"


def test_currency_names_follow_the_language():
    from django.utils import translation

    with translation.override("zh-hans"):
        labels = dict(currency_choices())
    assert labels["EUR"].startswith("EUR — ") and "欧元" in labels["EUR"]


def test_browser_form_warns_on_past_dates_and_high_values(partner, settings):
    settings.COSELL_DEAL_VALUE_WARN = 5000
    form = OpportunityForm(partner=partner)
    assert "data-warn-past" in str(form["close_date"])
    assert 'data-warn-above="5000"' in str(form["value"])
    bound = OpportunityForm(
        {"category": "private", "name": "x", "customer_name": "y", "currency": "USD"}
        | {"close_date": "1999-01-01", "purchase_intent": "undecided"},
        partner=partner,
    )
    assert not bound.is_valid() and "close_date" in bound.errors


def test_close_form_has_no_default_outcome(client_for, partner, partner_admin):
    assert CloseForm().fields["outcome"].initial is None
    assert not CloseForm({"notes": "x"}).is_valid()
    opportunity = make_opportunity(partner, partner_admin)
    page = client_for(partner_admin).get(
        reverse("opportunities:opportunity_close", args=[opportunity.pk])
    )
    assert 'type="radio"' in page.content.decode() and " checked" not in page.content.decode()


def test_closing_notes_and_date_show_on_the_deal(client_for, partner, partner_admin):
    opportunity = make_opportunity(partner, partner_admin)
    deal_services.opportunity_close(
        opportunity_id=opportunity.pk,
        actor=partner_admin,
        now=clock.now(),
        outcome="lost",
        reason="chose_another_vendor",
        notes="Went with the cheaper bid.",
    )
    page = client_for(partner_admin).get(
        reverse("opportunities:opportunity_detail", args=[opportunity.pk])
    )
    html = page.content.decode()
    assert "Went with the cheaper bid." in html
    assert f'datetime="{clock.now().date().isoformat()}' in html


# --- Wording from the viewer's side ---------------------------------------------------


def test_offer_is_named_from_the_viewers_side(
    client_for, partner, partner_admin, ready_offer, other_partner, other_partner_admin
):
    opportunity = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        offer=ready_offer,
        invite_partner_ids=[other_partner.pk],
    )
    lead = opportunity.leads.get()
    lead_services.lead_accept(lead_id=lead.pk, actor=other_partner_admin, now=clock.now())
    detail = reverse("opportunities:opportunity_detail", args=[opportunity.pk])
    own = client_for(partner_admin).get(detail).content.decode()
    assert "(Our offer)" in own
    invited = client_for(other_partner_admin).get(detail).content.decode()
    assert "(Our offer)" not in invited
    assert f"({partner.name}&#x27;s offer)" in invited or f"({partner.name}'s offer)" in invited


def test_seller_is_named_once_as_microsofts(partner, partner_admin, ready_offer, client_for):
    SellerFactory(
        user=UserFactory(username="mei", first_name="Mei", last_name="Lin"), countries=["US"]
    )
    opportunity = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer
    )
    html = (
        client_for(partner_admin)
        .get(reverse("opportunities:opportunity_detail", args=[opportunity.pk]))
        .content.decode()
    )
    assert "Mei Lin (Microsoft)" in html and "Microsoft (Mei Lin" not in html


def test_close_date_limit_is_2000():
    from opportunities.deals.limits import EARLIEST_CLOSE_DATE

    assert date(2000, 1, 1) == EARLIEST_CLOSE_DATE


def test_waiting_lead_rows_refresh_themselves(
    client_for, partner, partner_admin, other_partner, other_partner_admin
):
    lead = p2p_lead(partner, partner_admin, other_partner)
    client = client_for(other_partner_admin)
    inbox = client.get(reverse("opportunities:lead_inbox")).content.decode()
    row_url = reverse("opportunities:lead_row", args=[lead.pk])
    assert f'hx-get="{row_url}" hx-trigger="every 60s' in inbox
    # The worker withdraws it (here: the sender); the next poll shows the row without polling.
    lead_services.lead_withdraw(lead_id=lead.pk, actor=partner_admin, now=clock.now())
    row = client.get(row_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Withdrawn" in row and "every 60s" not in row


def test_offer_page_refreshes_itself_until_the_worker_applied_the_status(
    client_for, partner, partner_admin
):
    from offers.models import Offer
    from offers.selectors import offer_co_sell
    from tests.opportunities.factories import co_sell_ready_offer

    offer = co_sell_ready_offer(partner, name="Contoso Insights", solution_areas=["data_ai"])
    now_status = offer_co_sell(offer=offer)["evaluation"].status
    Offer.objects.filter(pk=offer.pk).update(co_sell_status=now_status)
    page = reverse("offers:detail", args=[offer.pk])
    client = client_for(partner_admin)
    assert 'hx-trigger="every 5s"' not in client.get(page).content.decode()
    behind = "co_sell_ready" if now_status != "co_sell_ready" else "not_ready"
    Offer.objects.filter(pk=offer.pk).update(co_sell_status=behind)  # the worker is behind
    html = client.get(page).content.decode()
    assert 'hx-trigger="every 5s"' in html and 'hx-select="#main"' in html


def test_lead_pages_are_worded_from_the_readers_side(
    client_for, partner, partner_admin, ready_offer, other_partner, other_partner_admin
):
    """The seller and an invited partner read "Contoso's offer" and who sent it; the seller who
    answered reads as "Mei Lin (Microsoft)"."""
    seller = SellerFactory(
        user=UserFactory(username="mei", first_name="Mei", last_name="Lin"), countries=["US"]
    ).user
    co_sell = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer
    )
    to_seller = co_sell.leads.get()
    lead_services.lead_accept(lead_id=to_seller.pk, actor=seller, now=clock.now())
    p2p = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        offer=ready_offer,
        customer_name="Other customer",
        invite_partner_ids=[other_partner.pk],
    )
    to_partner = p2p.leads.get()
    possessive = (f"({partner.name}&#x27;s offer)", f"({partner.name}'s offer)")
    for user, lead in ((seller, to_seller), (other_partner_admin, to_partner)):
        html = (
            client_for(user)
            .get(reverse("opportunities:lead_detail", args=[lead.pk]))
            .content.decode()
        )
        assert any(p in html for p in possessive), user
        assert "(Our offer)" not in html
        assert f"{partner_admin} ({partner.name})" in html  # who sent it, and from where
        assert "General" in html or "help" in html.lower()
    own = (
        client_for(partner_admin)
        .get(reverse("opportunities:lead_detail", args=[to_seller.pk]))
        .content.decode()
    )
    assert "(Our offer)" in own
    assert "Mei Lin (Microsoft)" in own and "Microsoft (Mei Lin" not in own
    deal_page = (
        client_for(partner_admin)
        .get(reverse("opportunities:opportunity_detail", args=[co_sell.pk]))
        .content.decode()
    )
    team = deal_page[deal_page.index("Team") :]
    assert "Mei Lin (Microsoft)" in team
