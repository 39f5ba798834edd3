"""Lists answer htmx with their table only; accept, decline and stage changes happen in place."""

import pytest
from django.urls import reverse

from cosell.core import clock
from opportunities.deals.choices import Category
from opportunities.leads.models import Lead
from tests.offers.factories import OfferFactory
from tests.opportunities.conftest import make_opportunity as _make_opportunity

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def make_opportunity(*args, **kwargs):
    return _make_opportunity(*args, now=clock.now(), **kwargs)


def url(name, *args):
    return reverse(f"opportunities:{name}", args=args)


@pytest.fixture
def shared(partner, partner_admin, other_partner):
    return make_opportunity(
        partner, partner_admin, category=Category.P2P, invite_partner_ids=[other_partner.pk]
    )


def test_pipeline_htmx_returns_the_list_only_and_sorts(client_for, partner, partner_admin):
    make_opportunity(partner, partner_admin, name="Alpha", value=5)
    make_opportunity(partner, partner_admin, name="Zulu", customer_name="Z", value=9)
    client = client_for(partner_admin)
    full = client.get(url("pipeline")).content.decode()
    assert "<html" in full and 'id="pipeline-list"' in full
    part = client.get(url("pipeline") + "?sort=-name", **HTMX).content.decode()
    assert "<html" not in part and part.index("Zulu") < part.index("Alpha")
    assert 'aria-sort="descending"' in part and 'id="messages"' in part  # flash area, out of band
    filtered = client.get(url("pipeline") + "?search=Zulu", **HTMX).content.decode()
    assert "Alpha" not in filtered
    empty = client.get(url("pipeline") + "?search=nothing-like-it", **HTMX).content.decode()
    assert "Clear the filters" in empty


@pytest.mark.parametrize("page", ["/offers/", "/members/"])
def test_other_lists_sort_and_answer_htmx(client_for, partner, partner_admin, page):
    OfferFactory(partner=partner)
    client = client_for(partner_admin)
    part = client.get(page + "?sort=-name", **HTMX).content.decode()
    assert "<html" not in part and 'aria-sort="descending"' in part


def test_accept_in_place_returns_the_row_and_a_message(client_for, shared, other_partner_admin):
    lead = shared.leads.get()
    client = client_for(other_partner_admin)
    inbox = client.get(url("lead_inbox")).content.decode()
    assert f'hx-post="{url("lead_accept", lead.pk)}"' in inbox
    response = client.post(url("lead_accept", lead.pk), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="lead-{lead.pk}"')
    assert "Accepted" in body and "you are on the opportunity" in body
    assert 'hx-swap-oob="true"' in body
    assert Lead.objects.get(pk=lead.pk).status == "accepted"


def test_decline_inline_asks_for_the_reason(client_for, shared, other_partner_admin):
    lead = shared.leads.get()
    client = client_for(other_partner_admin)
    form = client.get(url("lead_decline", lead.pk), **HTMX).content.decode()
    assert "<html" not in form and "Say why" in form and f"decline-{lead.pk}-reason" in form
    bad = client.post(url("lead_decline", lead.pk), {f"decline-{lead.pk}-reason": "other"}, **HTMX)
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    done = client.post(
        url("lead_decline", lead.pk),
        {f"decline-{lead.pk}-reason": "other", f"decline-{lead.pk}-notes": "Not for us"},
        **HTMX,
    )
    assert done.status_code == 200 and "Declined" in done.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "declined"
    # the row again, for the Cancel button
    assert client.get(url("lead_row", lead.pk), **HTMX).status_code == 200


def test_stage_change_in_place(client_for, partner, partner_admin, other_partner_admin):
    opp = make_opportunity(partner, partner_admin)
    client = client_for(partner_admin)
    response = client.post(url("opportunity_stage", opp.pk), {"stage": "proposed"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="stage-panel"' in body and "60%" in body
    assert "Stage updated" in body
    assert (
        client_for(other_partner_admin)
        .post(url("opportunity_stage", opp.pk), {"stage": "proposed"}, **HTMX)
        .status_code
        == 404
    )


def test_queue_and_inbox_empty_states_say_what_to_do(client_for, seller, partner_admin):
    assert "Back to your inbox" in client_for(seller).get(url("lead_queue")).content.decode()
    inbox = client_for(partner_admin).get(url("lead_inbox")).content.decode()
    assert "Share a deal with Microsoft" in inbox
