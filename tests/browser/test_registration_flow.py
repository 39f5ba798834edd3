"""Deal registration in Chromium: a partner admin registers a won co-sell deal from its page
(checklist first, then Partner Center's form), the reviewer asks for action in the review queue,
the partner answers. Every page is checked with axe-core and photographed."""

from unittest import mock

import pytest
from playwright.sync_api import expect

from cosell.core import clock
from offers.models import CoSellStatus
from registrations.models import DealRegistration
from tests.offers.factories import OfferFactory
from tests.registrations.conftest import NOW, WON_AT, make_deal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def won_deal(partner, partner_admin, seller):
    offer = OfferFactory(
        partner=partner,
        name="Contoso Insight Cloud",
        co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE,
        solution_areas=["data_ai"],
    )
    return make_deal(partner, partner_admin, seller, offer)


@pytest.fixture(autouse=True)
def at_now():
    with mock.patch.object(clock, "now", return_value=NOW):
        yield


def test_register_review_and_answer(pages, won_deal, partner_admin, admin_user, password):
    partner = pages()
    partner.login(partner_admin.username, password)
    partner.visit(f"/opportunities/{won_deal.pk}/", "deal-won")
    partner.page.get_by_role("link", name="Register this deal").click()
    partner.page.wait_for_load_state("networkidle")
    expect(partner.page.locator("[data-rule='window'][data-met='true']")).to_be_visible()
    partner.check_accessibility()
    partner.shot("checklist-and-form")
    page = partner.page
    page.get_by_label("Total contract value").fill("100000")
    page.get_by_label("Solution value").fill("60000")
    page.get_by_label("Contract signed date").fill(WON_AT.date().isoformat())
    page.get_by_label("Contract start date").fill(WON_AT.date().isoformat())
    page.get_by_label("Contract end date").fill(WON_AT.date().replace(year=2027).isoformat())
    page.get_by_label("Customer tenant").check()
    page.get_by_label("Pay-as-you-go").check()
    page.get_by_role("button", name="Register the deal").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Review pending").first).to_be_visible()
    partner.check_accessibility()
    partner.shot("registered")
    assert DealRegistration.objects.get().state == "review_pending"

    reviewer = pages()
    reviewer.login(admin_user.username, password)
    reviewer.visit("/registrations/review/", "review-queue")
    reviewer.page.get_by_label("Message to the partner").fill("Send the purchase order.")
    reviewer.page.get_by_role("button", name="Ask for action").click()
    reviewer.page.wait_for_load_state("networkidle")
    assert DealRegistration.objects.get().state == "action_required"

    partner.visit(f"/registrations/deals/{won_deal.pk}/", "action-required")
    # The reviewers' message shows above the form (and in the history below it).
    expect(partner.page.locator(".alert").get_by_text("Send the purchase order.")).to_be_visible()
    partner.page.get_by_label("Your answer to the reviewers").fill("Attached to the deal.")
    partner.page.get_by_role("button", name="Send back for review").click()
    partner.page.wait_for_load_state("networkidle")
    assert DealRegistration.objects.get().state == "review_pending"
    partner.visit("/registrations/", "registrations-list")
