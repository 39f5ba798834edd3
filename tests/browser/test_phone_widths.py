"""Every page of the navigation, for each role, at 1366 px and at 390 px (a phone): the page
never scrolls sideways (document width equals viewport width), axe finds no critical or serious
violation, and a screenshot is kept (test-artifacts/screenshots)."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cosell.core import clock
from cosell.core.services import api_token_create
from cosell.webhooks import services as webhook_services
from opportunities.deals import services
from opportunities.deals.choices import Category
from opportunities.leads.models import Lead
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import SellerFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
LONG = "Northwind Traders International Holdings (Asia Pacific) data platform modernisation"


def _deal(partner, actor, now, **kw):
    fields = {
        "category": Category.PRIVATE,
        "name": LONG,
        "customer_name": "Northwind Traders International Holdings",
        "customer_country": "US",
        "value": 250000,
        "currency": "USD",
        "close_date": (now + timedelta(days=40)).date(),
    }
    if kw.get("category") == Category.MICROSOFT:
        fields["help_needed"] = ["general"]  # a co-sell deal: a lead Microsoft answers
    fields.update(kw)
    solutions = fields.pop("solutions", [{"kind": "microsoft", "name": "Azure"}])
    return services.opportunity_create(
        partner=partner, actor=actor, now=now, solutions=solutions, **fields
    )


@pytest.fixture
def work(partner, partner_admin, partner_user, other_partner, other_partner_admin, settings):
    """A little of everything: deals in several categories and stages, leads waiting for each
    role, a queued lead, a token and a webhook endpoint."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    now = clock.now()
    offer = co_sell_ready_offer(partner, name="Contoso Insights", solution_areas=["data_ai"])
    other_offer = co_sell_ready_offer(
        other_partner, name="Fabrikam Flow", solution_areas=["security"]
    )
    seller = SellerFactory(
        user=UserFactory(username="sam", first_name="Mei", last_name="Lin"), countries=["US"]
    ).user
    _deal(
        partner, partner_admin, now, category=Category.MICROSOFT, solutions=[{"offer_id": offer.pk}]
    )
    _deal(
        partner,
        partner_admin,
        now,
        name="Past due renewal",
        customer_name="Litware",
        close_date=(now - timedelta(days=5)).date(),
    )
    _deal(partner, partner_admin, now, name="Team deal", customer_name="Adatum")
    # Leads waiting for the partner (from the other partner) and for the seller's queue.
    _deal(
        other_partner,
        other_partner_admin,
        now,
        category=Category.P2P,
        name=LONG + " P2P",
        invite_partner_ids=[partner.pk],
        solutions=[{"offer_id": other_offer.pk}],
    )
    _deal(
        other_partner,
        other_partner_admin,
        now,
        category=Category.MICROSOFT,
        name="Queued for Microsoft",
        customer_name="Tailspin Toys",
        customer_country="BR",
        solutions=[{"offer_id": other_offer.pk}],
    )
    api_token_create(user=partner_admin, name="CRM sync for the northwind integration", now=now)
    webhook_services.endpoint_create(
        partner=partner,
        actor=partner_admin,
        url="http://127.0.0.1:9/hooks/cosell/with/a/rather/long/path?source=cosell-portal",
        events=["lead.created", "lead.accepted"],
        now=now,
    )
    return {"offer": offer, "seller": seller}


def nav_paths(p) -> list[str]:
    """The pages the navigation links to (the API docs aside: Swagger UI is not ours)."""
    links = p.page.locator("#nav .navbar-nav a.nav-link")
    paths = []
    for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        if href.startswith("/") and not href.startswith(("/api/", "/admin/")):
            paths.append(href)
    return paths


def check_width(p, path: str):
    widths = p.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] > widths[1]:
        wide = p.page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .slice(0, 6)
                .map(e => e.tagName + '.' + e.className + ' '
                          + Math.round(e.getBoundingClientRect().right))""",
            widths[1],
        )
        raise AssertionError(f"{path} scrolls sideways at {widths}: {wide}")


def walk(p, extra: list[str]):
    for label, (width, height) in WIDTHS.items():
        p.page.set_viewport_size({"width": width, "height": height})
        p.goto("/")
        paths = nav_paths(p) + extra
        assert len(paths) >= 4
        for path in paths:
            response = p.goto(path)
            assert response.status == 200, path
            check_width(p, path)
            p.check_accessibility()
            name = re.sub(r"[^\w.-]+", "-", path.strip("/")) or "home"
            p.shot(f"{label}-{name}")


def test_partner_admin_pages_fit_a_phone(pages, work, partner_admin, password):
    p = pages()
    p.login("ada", password)
    offer = work["offer"]
    deal = partner_admin.partner.opportunities.get(category=Category.MICROSOFT)
    walk(
        p,
        [
            f"/offers/{offer.pk}/",
            f"/opportunities/{deal.pk}/",
            "/account/tokens/",
            "/opportunities/new/",
            "/opportunities/new/?category=microsoft&deal_type=co_sell",
            "/opportunities/new/?category=p2p",
            "/pipeline/board/",
            f"/leads/{deal.leads.get().pk}/",
            f"/opportunities/{deal.pk}/edit/",
            f"/opportunities/{deal.pk}/close/",
            f"/registrations/deals/{deal.pk}/",
            "/webhooks/guide/",
            "/members/invite/",
        ],
    )


def test_partner_user_pages_fit_a_phone(pages, work, partner_user, password):
    p = pages()
    p.login("uma", password)
    walk(p, ["/pipeline/board/", "/opportunities/new/"])
    p.goto("/pipeline/")
    expect(p.page.get_by_role("note")).to_contain_text("You see the deals whose team you are on")


def test_seller_answers_a_lead_on_a_phone(pages, work, password):
    p = pages()
    p.login("sam", password)
    queued = Lead.objects.get(opportunity__name="Queued for Microsoft")
    walk(p, ["/leads/send/", f"/leads/{queued.pk}/"])
    p.page.set_viewport_size({"width": 390, "height": 844})
    p.goto("/leads/")
    row = p.page.locator("#lead-list [id^=lead-]").first
    accept = row.get_by_role("button", name=re.compile("^Accept"))
    expect(accept).to_be_in_viewport()
    accept.click()
    expect(row).to_contain_text("Accepted")
    check_width(p, "/leads/ after accepting")
    p.check_accessibility()
    p.shot("phone-seller-accepted")
