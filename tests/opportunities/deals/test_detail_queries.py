"""Issue 16, point 8: the opportunity page issues a fixed, small number of queries, whatever
the number of its leads, team members and history events (not a timing test: the bench times
it, ``make bench``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opportunities.deals import services
from opportunities.deals.choices import Category
from tests.opportunities.conftest import T0, days, make_opportunity
from tests.partners.factories import MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db

# Session, the person (with membership, partner and seller, one query), the deal, its
# solutions, its team, the waiting-leads count of the navigation, its leads, its history.
DETAIL_PAGE_QUERIES = 8


def _queries(client, url) -> list[str]:
    client.get(url)  # warm per-process caches (content types, fragments)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_deal_page_query_count_does_not_grow_with_its_rows(
    client_for, partner, partner_admin, ready_offer
):
    small = make_opportunity(partner, partner_admin, category=Category.P2P, offer=ready_offer)
    big = make_opportunity(
        partner,
        partner_admin,
        category=Category.P2P,
        offer=ready_offer,
        customer_name="Big customer",
        invite_partner_ids=[PartnerFactory(name=f"Invitee {n}").pk for n in range(6)],
        invite_microsoft=True,
    )
    for n in range(4):
        member = MembershipFactory(partner=partner).user
        services.opportunity_team_add(
            opportunity_id=big.pk, user=member, actor=partner_admin, now=T0
        )
    for n, stage in enumerate(["qualified", "developed", "proposed", "negotiated"]):
        services.opportunity_set_stage(
            opportunity_id=big.pk, stage=stage, actor=partner_admin, now=T0 + days(n + 1)
        )
    assert big.leads.count() == 7 and big.team.count() == 5
    client = client_for(partner_admin)
    few = _queries(client, f"/opportunities/{small.pk}/")
    many = _queries(client, f"/opportunities/{big.pk}/")
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= DETAIL_PAGE_QUERIES, "\n".join(many)


def test_a_won_deal_adds_only_its_registration(client_for, partner, partner_admin, ready_offer):
    deal = make_opportunity(partner, partner_admin, category=Category.P2P, offer=ready_offer)
    services.opportunity_close(
        opportunity_id=deal.pk, outcome="won", actor=partner_admin, now=T0 + days(1)
    )
    queries = _queries(client_for(partner_admin), f"/opportunities/{deal.pk}/")
    assert len(queries) <= DETAIL_PAGE_QUERIES + 1, "\n".join(queries)


def test_a_seller_viewing_a_shared_deal_stays_within_the_cap(
    client_for, partner, partner_admin, ready_offer, seller
):
    deal = make_opportunity(
        partner, partner_admin, category=Category.MICROSOFT, offer=ready_offer, help_needed=[]
    )
    queries = _queries(client_for(seller), f"/opportunities/{deal.pk}/")
    assert len(queries) <= DETAIL_PAGE_QUERIES, "\n".join(queries)
