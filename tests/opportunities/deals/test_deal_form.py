"""The new deal page asks the kind of deal first (category and deal type), then shows only the
fields that kind needs, grouped in sections; it works without JavaScript (links and GET
parameters)."""

import re

import pytest
from django.urls import reverse

from opportunities.deals.choices import Category, DealType
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead

pytestmark = pytest.mark.django_db

NEW = reverse("opportunities:opportunity_create")
BASE = {
    "name": "Kind deal",
    "customer_name": "Northwind",
    "customer_country": "US",
    "currency": "USD",
    "value": "100",
    "purchase_intent": "undecided",
    "microsoft_solutions": "Azure",
}


def field_names(html: str) -> set[str]:
    return set(re.findall(r'name="([a-z_]+)"', html)) - {"csrfmiddlewaretoken", "language", "next"}


def test_step_one_asks_the_kind_of_deal_with_links(client_for, partner_admin, ready_offer):
    page = client_for(partner_admin).get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Step 1 of 2" in html
    for query in (
        "?category=microsoft&amp;deal_type=co_sell",
        "?category=microsoft&amp;deal_type=partner_led",
        "?category=private&amp;deal_type=private",
        "?category=p2p",
    ):
        assert query in html
    assert "name_" not in html and 'name="customer_name"' not in html  # no form yet
    # Not vetted for solution assessments: said, not linked.
    assert "?category=solution_assessment" not in html
    assert "vetted for solution assessments" in html


def test_without_a_co_sell_ready_offer_co_sell_kinds_say_why(client_for, partner_admin):
    html = client_for(partner_admin).get(NEW).content.decode()
    assert "deal_type=co_sell" not in html and "deal_type=partner_led" not in html
    assert "Needs a co-sell-ready offer of yours." in html
    assert "?category=private" in html


@pytest.mark.parametrize(
    "query, present, absent",
    [
        (
            "?category=microsoft&deal_type=co_sell",
            {"help_needed", "offers", "microsoft_solutions"},
            {"invite_partners", "invite_microsoft", "assessment_type", "share_with_microsoft"},
        ),
        (
            "?category=microsoft&deal_type=partner_led",
            {"offers"},
            {"help_needed", "invite_partners", "assessment_type", "share_with_microsoft"},
        ),
        (
            "?category=private",
            {"offers", "third_party_solutions"},
            {"help_needed", "invite_partners", "assessment_type", "share_with_microsoft"},
        ),
        (
            "?category=p2p",
            {"invite_partners", "invite_microsoft", "offers"},
            {"assessment_type", "share_with_microsoft"},
        ),
    ],
)
def test_the_form_holds_only_the_fields_of_its_kind(
    client_for, partner_admin, ready_offer, other_partner, query, present, absent
):
    page = client_for(partner_admin).get(NEW + query)
    assert page.status_code == 200
    html = page.content.decode()
    names = field_names(html)
    assert present <= names, present - names
    assert not (absent & names), absent & names
    assert "Step 2 of 2" in html and 'class="form-section"' in html
    # The kind travels with the form; offers and partners are searchable checklists.
    assert 'name="category"' in html and 'type="hidden"' in html
    assert 'class="check-list-field"' in html


def test_a_solution_assessment_asks_its_assessment_not_solutions(
    client_for, partner, partner_admin, ready_offer
):
    partner.sa_vetted = True
    partner.save(update_fields=["sa_vetted"])
    html = client_for(partner_admin).get(NEW + "?category=solution_assessment").content.decode()
    names = field_names(html)
    assert "assessment_type" in names
    assert not ({"offers", "microsoft_solutions", "help_needed"} & names)


def test_posting_a_co_sell_kind_records_a_co_sell_deal(client_for, partner_admin, ready_offer):
    client = client_for(partner_admin)
    missing_help = client.post(
        NEW, {**BASE, "category": "microsoft", "deal_type": "co_sell", "offers": [ready_offer.pk]}
    )
    assert missing_help.status_code == 400
    assert Opportunity.objects.count() == 0
    response = client.post(
        NEW,
        {
            **BASE,
            "category": "microsoft",
            "deal_type": "co_sell",
            "offers": [ready_offer.pk],
            "help_needed": ["general"],
        },
    )
    assert response.status_code == 302
    deal = Opportunity.objects.get()
    assert (deal.category, deal.deal_type) == (Category.MICROSOFT, DealType.CO_SELL)
    assert deal.leads.get().needs_answer


def test_posting_partner_led_and_private_kinds(client_for, partner_admin, ready_offer):
    client = client_for(partner_admin)
    led = client.post(NEW, {**BASE, "category": "microsoft", "deal_type": "partner_led"})
    assert led.status_code == 302
    deal = Opportunity.objects.get()
    assert deal.deal_type == DealType.PARTNER_LED
    assert deal.leads.get().needs_answer is False
    private = client.post(
        NEW, {**BASE, "name": "Private", "customer_name": "Other", "category": "private"}
    )
    assert private.status_code == 302
    assert Opportunity.objects.get(name="Private").category == Category.PRIVATE
    assert Lead.objects.count() == 1


def test_a_post_without_a_kind_goes_back_to_step_one(client_for, partner_admin):
    response = client_for(partner_admin).post(NEW, {**BASE, "category": "nonsense"})
    assert response.status_code == 400
    assert "Step 1 of 2" in response.content.decode()
    assert Opportunity.objects.count() == 0


def test_edit_keeps_the_fields_of_the_deals_category(client_for, partner_admin, ready_offer):
    client = client_for(partner_admin)
    client.post(NEW, {**BASE, "category": "private"})
    deal = Opportunity.objects.get()
    html = client.get(reverse("opportunities:opportunity_edit", args=[deal.pk])).content.decode()
    names = field_names(html)
    assert "offers" in names and "customer_name" in names
    assert not ({"help_needed", "invite_partners", "category", "assessment_type"} & names)
