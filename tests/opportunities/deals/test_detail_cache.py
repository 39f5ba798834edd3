"""Issue 16, point 8: the opportunity page's body is cached per process
(``opportunities/detail_page.py``). A cached page is the page as rendered without the cache, for
every viewer and language; a change to anything it shows, however it is written, shows on the
next render; a fragment rendered for one viewer is never served to another."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpRequest
from django.test import Client

from cosell.core import clock
from cosell.partners.models import Partner, User
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads import selectors
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity
from tests.opportunities.test_access_policy import SECRETS

pytestmark = pytest.mark.django_db

TOKENS = (
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken"'),
    (re.compile(r'nonce="[^"]+"'), "nonce"),
)


def page(client: Client, deal, language: str = "en", path_suffix: str = "") -> str:
    response = client.get(f"/opportunities/{deal.pk}/{path_suffix}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    for pattern, replacement in TOKENS:
        html = pattern.sub(replacement, html)
    return html


def uncached(client: Client, deal, language: str = "en") -> str:
    caches["fragments"].clear()
    return page(client, deal, language)


@pytest.fixture(autouse=True)
def _empty_fragments():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


@pytest.fixture
def p2p_deal(partner, partner_admin, other_partner, other_partner_admin):
    """A P2P deal with private fields, its invitation to the other partner accepted."""
    now = clock.now()
    deal = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        now=now,
        invite_partner_ids=[other_partner.pk],
        notes=SECRETS["notes"],
        crm_id=SECRETS["crm_id"],
        customer_address=SECRETS["customer_address"],
        contact_consent=True,
        contact_name="Casey Contact",
    )
    lead_services.lead_accept(lead_id=deal.leads.get().pk, actor=other_partner_admin, now=now)
    return deal


def test_a_cached_page_is_the_page_for_every_viewer_and_language(
    client_for, p2p_deal, partner_admin, partner_user, other_partner_admin, admin_user
):
    deal_services.opportunity_team_add(
        opportunity_id=p2p_deal.pk, user=partner_user, actor=partner_admin, now=clock.now()
    )
    viewers = (partner_admin, partner_user, other_partner_admin, admin_user)
    for language in ("en", "zh-hans"):
        for viewer in viewers:
            client = client_for(viewer)
            expected = uncached(client, p2p_deal, language)
            assert page(client, p2p_deal, language) == expected  # stored, then served
            assert page(client, p2p_deal, language) == expected
    # Every viewer's fragments at once in the cache: each still gets their own.
    for language in ("en", "zh-hans"):
        for viewer in viewers:
            page(client_for(viewer), p2p_deal, language)
    for viewer in viewers:
        client = client_for(viewer)
        cached = page(client, p2p_deal, "zh-hans")
        assert cached == uncached(client, p2p_deal, "zh-hans")


def test_the_invited_partner_never_gets_the_owners_fragment(
    client_for, p2p_deal, partner_admin, other_partner_admin
):
    owner, invited = client_for(partner_admin), client_for(other_partner_admin)
    owners_page = page(owner, p2p_deal)
    assert SECRETS["notes"] in owners_page and "Edit" in owners_page
    invited_page = page(invited, p2p_deal)
    for secret in SECRETS.values():
        assert secret not in invited_page
    assert f"/opportunities/{p2p_deal.pk}/edit/" not in invited_page
    # And the other way round: the owner's page after the invited partner's.
    caches["fragments"].clear()
    page(invited, p2p_deal)
    assert SECRETS["notes"] in page(owner, p2p_deal)


def test_the_viewers_language_is_part_of_the_key(client_for, p2p_deal, partner_admin):
    client = client_for(partner_admin)
    english = page(client, p2p_deal, "en")
    chinese = page(client, p2p_deal, "zh-hans")
    assert english != chinese
    assert "History" in english and "History" not in chinese


def test_changes_show_on_the_next_render_however_they_are_written(
    client_for, p2p_deal, partner, partner_admin, other_partner, partner_user
):
    client = client_for(partner_admin)
    page(client, p2p_deal)
    now = clock.now()

    # Through a service (audit event, stage) in the same transaction as the first render.
    deal_services.opportunity_set_stage(
        opportunity_id=p2p_deal.pk, stage="qualified", actor=partner_admin, now=now
    )
    assert page(client, p2p_deal) == uncached(client, p2p_deal)
    assert 'value="qualified" selected' in page(client, p2p_deal)

    # Plain UPDATEs that send no signal: the deal, its invited partner's name, a lead.
    Opportunity.objects.filter(pk=p2p_deal.pk).update(customer_name="Renamed Customer Ltd")
    assert "Renamed Customer Ltd" in page(client, p2p_deal)
    Partner.objects.filter(pk=other_partner.pk).update(name="Renamed Invitee Inc")
    assert "Renamed Invitee Inc" in page(client, p2p_deal)
    Lead.objects.filter(opportunity=p2p_deal).update(status=Lead.Status.DECLINED)
    assert page(client, p2p_deal) == uncached(client, p2p_deal)

    # A new team member, then their new name.
    deal_services.opportunity_team_add(
        opportunity_id=p2p_deal.pk, user=partner_user, actor=partner_admin, now=now
    )
    assert str(partner_user) in page(client, p2p_deal)
    User.objects.filter(pk=partner_user.pk).update(first_name="Zebedee", last_name="Quux")
    cached = page(client, p2p_deal)
    assert "Zebedee Quux" in cached
    assert cached == uncached(client, p2p_deal)

    # The partner admin's own name in the history (the actor of its events).
    User.objects.filter(pk=partner_admin.pk).update(first_name="Adaline")
    client = client_for(User.objects.get(pk=partner_admin.pk))
    assert page(client, p2p_deal) == uncached(client, p2p_deal)


def test_a_closed_deal_shows_its_closing_at_once(client_for, p2p_deal, partner_admin):
    client = client_for(partner_admin)
    assert "closing-heading" not in page(client, p2p_deal)
    deal_services.opportunity_close(
        opportunity_id=p2p_deal.pk,
        outcome="lost",
        reason="customer_did_not_respond",
        notes=SECRETS["close_notes"],
        actor=partner_admin,
        now=clock.now(),
    )
    closed = page(client, p2p_deal)
    assert "closing-heading" in closed and SECRETS["close_notes"] in closed
    assert closed == uncached(client, p2p_deal)


def test_the_time_left_follows_the_clock(
    client_for, partner, partner_admin, ready_offer, monkeypatch
):
    deal = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer, now=clock.now()
    )
    lead = deal.leads.get()
    assert lead.status == Lead.Status.RECEIVED and lead.needs_answer and lead.expires_at
    client = client_for(partner_admin)
    seen = []
    for at in (lead.sent_at, lead.sent_at + timedelta(days=1, minutes=7), lead.expires_at):
        monkeypatch.setattr(clock, "now", lambda at=at: at)
        cached = page(client, deal)
        assert cached == uncached(client, deal)
        seen.append(cached)
    assert len(set(seen)) == 3
    assert "expiring" in seen[-1]


def test_the_stage_form_of_a_cached_page_carries_the_requests_own_csrf_token(
    p2p_deal, partner_admin
):
    for _ in range(2):  # the first render stores the body, the second serves it
        client = Client(enforce_csrf_checks=True)
        client.force_login(partner_admin)
        html = client.get(f"/opportunities/{p2p_deal.pk}/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        response = client.post(
            f"/opportunities/{p2p_deal.pk}/stage/",
            {"stage": "qualified", "csrfmiddlewaretoken": token},
        )
        assert response.status_code in (200, 302)


def test_the_navigation_counts_the_leads_waiting_as_on_every_page(
    client_for, p2p_deal, partner, partner_admin, other_partner, other_partner_admin
):
    """A partner admin's own deal reads the navigation's count in its own query."""
    invitation = make_opportunity(
        other_partner,
        other_partner_admin,
        category=Category.P2P,
        now=clock.now(),
        invite_partner_ids=[partner.pk],
    )
    client = client_for(partner_admin)
    html = page(client, p2p_deal)
    assert "1 lead to answer" in html
    assert selectors.leads_waiting_count(user=partner_admin, now=clock.now()) == 1
    Lead.objects.filter(opportunity=invitation).update(expires_at=clock.now() - timedelta(1))
    html = page(client, p2p_deal)
    assert "lead to answer" not in html and "leads to answer" not in html
    # The invited side's count comes from the context processor, as on every page.
    invited = client_for(other_partner_admin)
    assert page(invited, p2p_deal) == uncached(invited, p2p_deal)


def test_a_message_waiting_shows_once_on_a_cached_page(client_for, p2p_deal, partner_admin):
    client = client_for(partner_admin)
    stored = page(client, p2p_deal)
    assert page(client, p2p_deal) == stored  # the whole page is cached
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode(
        [Message(constants.SUCCESS, "Saved-7Q")]
    )
    with_message = page(client, p2p_deal)
    assert "Saved-7Q" in with_message and 'role="alert"' in with_message
    assert page(client, p2p_deal) == stored


def test_the_page_around_the_body_follows_the_person(client_for, p2p_deal, partner_admin):
    client = client_for(partner_admin)
    assert str(partner_admin) in page(client, p2p_deal)
    User.objects.filter(pk=partner_admin.pk).update(first_name="Renamed", last_name="Person")
    Partner.objects.filter(pk=partner_admin.membership.partner_id).update(name="Renamed Partner")
    html = page(client, p2p_deal)
    assert "Renamed Person" in html and "Renamed Partner" in html
    assert page(client, p2p_deal) == uncached(client, p2p_deal)
    assert page(client, p2p_deal) != page_with_query(client, p2p_deal)


def page_with_query(client: Client, deal) -> str:
    return page(client, deal, path_suffix="?from=pipeline")
