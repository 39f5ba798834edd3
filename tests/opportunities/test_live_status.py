"""Status changes the worker applies show without a reload: the lead, opportunity and offer
pages poll a status fragment every 10 s (htmx); it answers 204 while nothing changed and asks
for a redraw (HX-Refresh) once something did. History reads in sentences, never codes."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from cosell.core import audit, clock
from cosell.core.history import sentence
from opportunities.deals.choices import Category
from opportunities.leads.services import lead_expire_due
from tests.opportunities.conftest import T0, days, make_opportunity
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def poll_url(html: str, name: str) -> str:
    match = re.search(r'hx-get="(/[^"]*/status/\?shown=[^"]*)" hx-trigger="every 10s"', html)
    assert match, f"no polled status on the {name} page"
    return match.group(1).replace("&amp;", "&")


def test_a_lead_expiring_shows_on_the_pages_that_poll(
    client_for, partner, partner_admin, ready_offer, seller
):
    deal = make_opportunity(partner, partner_admin, category=Category.MICROSOFT, now=T0)
    lead = deal.leads.get()
    client = client_for(partner_admin)
    lead_poll = poll_url(
        client.get(reverse("opportunities:lead_detail", args=[lead.pk])).content.decode(), "lead"
    )
    deal_poll = poll_url(
        client.get(reverse("opportunities:opportunity_detail", args=[deal.pk])).content.decode(),
        "opportunity",
    )
    assert client.get(lead_poll, **HTMX).status_code == 204
    assert client.get(deal_poll, **HTMX).status_code == 204
    assert lead_expire_due(T0 + days(15)) == 1
    changed = client.get(lead_poll, **HTMX)
    assert changed.status_code == 200 and changed["HX-Refresh"] == "true"
    assert "Expired" in changed.content.decode()
    assert client.get(deal_poll, **HTMX)["HX-Refresh"] == "true"
    # Another partner's admin cannot poll it.
    other = client_for(UserFactory(username="nobody"))
    assert other.get(lead_poll, **HTMX).status_code in (403, 404)


def test_an_offer_page_polls_its_co_sell_status(client_for, partner_admin, ready_offer):
    client = client_for(partner_admin)
    html = client.get(reverse("offers:detail", args=[ready_offer.pk])).content.decode()
    poll = poll_url(html, "offer")
    assert client.get(poll, **HTMX).status_code == 204
    stale = poll.split("?")[0] + "?shown=not_ready-none"
    answer = client.get(stale, **HTMX)
    assert answer.status_code == 200 and answer["HX-Refresh"] == "true"
    assert "status-badge" in answer.content.decode()


def test_history_reads_as_sentences_in_the_readers_language(
    client_for, partner, partner_admin, ready_offer
):
    deal = make_opportunity(partner, partner_admin)
    from opportunities.deals import services

    services.opportunity_set_stage(
        opportunity_id=deal.pk, stage="qualified", actor=partner_admin, now=clock.now()
    )
    event = audit.history(deal).filter(verb="stage_changed").get()
    with translation.override("en"):
        assert sentence(event) == (
            f"{partner_admin} moved the sales stage from Created to Qualified."
        )
    with translation.override("zh-hans"):
        text = sentence(event)
        assert "stage_changed" not in text and "qualified" not in text and "销售阶段" in text
    client = client_for(partner_admin)
    page = client.get(reverse("opportunities:opportunity_detail", args=[deal.pk])).content.decode()
    assert "moved the sales stage from Created to Qualified." in page
    assert "created it." in page


def test_registration_and_job_events_never_show_codes():
    from cosell.core.labels import verb_label

    for verb in (
        "review_requested",
        "approved",
        "review_passed",
        "review_failed",
        "action_requested",
        "resubmitted",
        "customer_account_set",
        "customer_account_confirmed",
        "granted",
        "denied",
    ):
        assert verb_label(verb) != verb.replace("_", " "), verb

    class Event:
        verb, from_state, to_state, reason, who = "reminded", "", "", "", "the lead reminder run"

    assert sentence(Event()) == "The lead reminder run sent a reminder."
