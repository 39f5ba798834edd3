"""If-Match on every write to an opportunity, and the shared queue once a seller took a lead
(issue 11, point 5)."""

import pytest

from cosell.core import clock
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from tests.opportunities.conftest import make_opportunity as _make_opportunity
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_opportunity(*args, **kwargs):
    return _make_opportunity(*args, now=clock.now(), **kwargs)


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, content_type="application/json", **extra)


ACTIONS = {
    "stage": (Category.PRIVATE, "stage/", {"stage": "qualified"}),
    "close": (Category.PRIVATE, "close/", {"outcome": "won"}),
    "invite": (Category.P2P, "invite/", None),
    "upgrade": (Category.PRIVATE, "upgrade/", {"category": "p2p"}),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_stale_if_match_on_an_action_answers_412_and_changes_nothing(
    client_for, partner_admin, other_partner, action
):
    """The partner admin acts from a tab opened before a colleague's edit."""
    category, path, data = ACTIONS[action]
    if data is None:
        data = {"partner_id": other_partner.pk}
    kwargs = {"invite_partner_ids": []} if category == Category.P2P else {}
    deal = make_opportunity(partner_admin.partner, partner_admin, category=category, **kwargs)
    client = client_for(partner_admin)
    url = f"/api/v1/opportunities/{deal.pk}/"
    stale = client.get(url)["ETag"]
    edited = client.patch(
        url, {"name": "Renamed"}, content_type="application/json", HTTP_IF_MATCH=stale
    )
    assert edited.status_code == 200
    fresh = edited["ETag"]
    before = Opportunity.objects.get(pk=deal.pk)
    leads_before = Lead.objects.count()

    response = post(client, url + path, data, HTTP_IF_MATCH=stale)

    assert response.status_code == 412, response.content
    assert response.json()["code"] == "precondition_failed"
    after = Opportunity.objects.get(pk=deal.pk)
    assert (after.version, after.stage, after.status, after.category) == (
        before.version,
        before.stage,
        before.status,
        before.category,
    )
    assert Lead.objects.count() == leads_before
    # With the current ETag (or none) the same action goes through.
    assert post(client, url + path, data, HTTP_IF_MATCH=fresh).status_code in (200, 201)


def test_an_if_match_naming_another_opportunity_answers_412(client_for, partner_admin):
    first = make_opportunity(partner_admin.partner, partner_admin)
    second = make_opportunity(partner_admin.partner, partner_admin, customer_name="Other")
    client = client_for(partner_admin)
    response = post(
        client,
        f"/api/v1/opportunities/{second.pk}/stage/",
        {"stage": "qualified"},
        HTTP_IF_MATCH=first.etag,
    )
    assert response.status_code == 412


@pytest.fixture
def taken_lead(partner, partner_admin):
    """A co-sell lead in the shared queue (no seller's territory covers it) that Amy took."""
    offer = co_sell_ready_offer(partner, solution_areas=["security"])
    lead = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=offer
    ).leads.get()
    amy = SellerFactory(user=UserFactory(username="amy", first_name="Amy", last_name="A")).user
    bob = SellerFactory(user=UserFactory(username="bob")).user
    return lead, amy, bob


def test_a_lead_another_seller_took_is_gone_for_the_other_sellers(client_for, taken_lead):
    lead, amy, bob = taken_lead
    assert client_for(bob).get(f"/api/v1/leads/{lead.pk}/").status_code == 200
    assert post(client_for(amy), f"/api/v1/leads/{lead.pk}/accept/").status_code == 200

    bob_client = client_for(bob)
    assert bob_client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert lead.pk not in [
        item["id"] for item in bob_client.get("/api/v1/leads/").json()["results"]
    ]
    assert bob_client.get(f"/leads/{lead.pk}/").status_code == 404
    assert client_for(amy).get(f"/api/v1/leads/{lead.pk}/").status_code == 200


def test_the_seller_who_lost_the_race_is_told_who_took_it(client_for, taken_lead):
    lead, amy, bob = taken_lead
    assert post(client_for(amy), f"/api/v1/leads/{lead.pk}/accept/").status_code == 200
    response = post(client_for(bob), f"/api/v1/leads/{lead.pk}/accept/")
    assert response.status_code == 409
    assert response.json()["accepted_by"] == "Amy A"
    # In the browser (htmx row of the queue): 409 with the message, not a 404 page.
    page = client_for(bob).post(f"/leads/{lead.pk}/accept/", HTTP_HX_REQUEST="true")
    assert page.status_code == 409
    assert "Amy A" in page.content.decode()
