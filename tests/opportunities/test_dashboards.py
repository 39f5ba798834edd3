"""Dashboards: set-based figures, constant query counts, tenancy, and today's work."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cosell.core import clock
from offers.models import BadgeState
from opportunities import dashboards
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from tests.offers.factories import OfferFactory
from tests.opportunities.factories import LeadFactory, OpportunityFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def deals(partner, n, **kw):
    return [OpportunityFactory(partner=partner, **kw) for _ in range(n)]


def test_pipeline_figures_by_currency_category_stage_and_win_rate(partner, other_partner):
    OpportunityFactory(partner=partner, value=100, currency="USD", category=Category.PRIVATE)
    OpportunityFactory(
        partner=partner, value=50, currency="USD", category=Category.MICROSOFT, stage="qualified"
    )
    OpportunityFactory(partner=partner, value=7, currency="EUR")
    OpportunityFactory(partner=partner, value=999, status=Opportunity.Status.WON, stage="won")
    deals(partner, 3, status=Opportunity.Status.LOST)
    OpportunityFactory(partner=other_partner, value=10_000)
    figures = dashboards.partner_dashboard(partner=partner, now=clock.now())["pipeline"]
    assert figures.totals[0] == {"currency": "USD", "total": 150, "count": 2}
    assert figures.totals[1]["currency"] == "EUR"
    assert figures.win_rate == 0.25
    by_category = dict(figures.charts[0].rows)
    assert by_category["Private deal"] == [100] and by_category["Co-sell with Microsoft"] == [50]
    by_stage = dict(figures.charts[1].rows)
    assert by_stage["Qualified"] == [50] and by_stage["Created"] == [100]


def test_lead_answers_in_time_and_seller_buckets(partner, partner_admin, seller):
    now = clock.now()
    seller_obj = seller.seller
    opp = OpportunityFactory(partner=partner, category=Category.MICROSOFT)
    base = {"opportunity": opp, "receiver_seller": seller_obj}
    LeadFactory(**base, sent_at=now - timedelta(days=1), expires_at=now + timedelta(hours=5))
    LeadFactory(**base, sent_at=now - timedelta(days=10), expires_at=now + timedelta(days=4))
    LeadFactory(
        **base,
        status=Lead.Status.ACCEPTED,
        sent_at=now - timedelta(days=3),
        expires_at=now + timedelta(days=11),
        answered_at=now - timedelta(days=2),
        answered_by=seller,
    )
    LeadFactory(
        **base,
        status=Lead.Status.DECLINED,
        sent_at=now - timedelta(days=5),
        expires_at=now + timedelta(days=9),
        answered_at=now - timedelta(days=4),
        answered_by=seller,
    )
    LeadFactory(**base, status=Lead.Status.EXPIRED, sent_at=now - timedelta(days=20))
    figures = dashboards.seller_dashboard(seller=seller_obj, now=now)["leads"]
    assert figures["inbox_total"] == 2
    assert [values[0] for _label, values in figures["inbox_chart"].rows] == [1, 0, 1, 0]
    answers = figures["answers"]
    assert answers.accept_rate == pytest.approx(1 / 3)
    assert answers.median == timedelta(days=1)
    # the partner sees the same leads as its outgoing ones
    outgoing = dashboards.partner_dashboard(partner=partner, now=now)["leads"]["outgoing"]
    assert outgoing.answered == 2 and outgoing.expired == 1 and outgoing.waiting == 2


def test_offers_by_status_and_next_badge(partner):
    soon = clock.now() + timedelta(days=3)
    OfferFactory(
        partner=partner,
        name="Later",
        badge_state=BadgeState.PENDING,
        badge_due_at=soon + timedelta(days=5),
    )
    OfferFactory(partner=partner, name="Soon", badge_state=BadgeState.PENDING, badge_due_at=soon)
    OfferFactory(
        partner=PartnerFactory(),
        name="Else",
        badge_state=BadgeState.PENDING,
        badge_due_at=soon - timedelta(days=1),
    )
    offers = dashboards.partner_dashboard(partner=partner, now=clock.now())["offers"]
    assert offers["total"] == 2 and offers["next_badge"].name == "Soon"


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("partner_admin", "opportunities:dashboard"),
        ("partner_user", "opportunities:dashboard"),
        ("seller", "opportunities:dashboard"),
        ("admin_user", "opportunities:admin_dashboard"),
    ],
)
def test_dashboard_query_count_does_not_grow(
    request,
    client_for,
    partner,
    other_partner,
    seller,
    persona,
    path,
    django_assert_max_num_queries,
):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    def add(n):
        for partner_ in (partner, other_partner):
            for opp in deals(partner_, n, category=Category.MICROSOFT):
                LeadFactory(opportunity=opp, receiver_seller=seller.seller)
                OfferFactory(partner=partner_)

    add(1)
    with django_assert_max_num_queries(20) as few:
        response = client.get(reverse(path))
        assert response.status_code == 200
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(path))
        assert response.status_code == 200
    assert "Show the numbers" in response.content.decode()


def test_private_deals_count_but_are_never_listed(client_for, partner, partner_admin, admin_user):
    OpportunityFactory(partner=partner, name="Secret merger", value=123, category="private")
    page = client_for(admin_user).get(reverse("opportunities:admin_dashboard")).content.decode()
    assert "Secret merger" not in page and "$123.00" in page
    mine = client_for(partner_admin).get(reverse("opportunities:dashboard")).content.decode()
    assert "$123.00" in mine


def test_admin_dashboard_is_staff_only(client_for, partner_admin, seller, admin_user):
    assert (
        client_for(partner_admin).get(reverse("opportunities:admin_dashboard")).status_code == 403
    )
    assert client_for(seller).get(reverse("opportunities:admin_dashboard")).status_code == 403
    home = client_for(admin_user).get(reverse("opportunities:admin_dashboard")).content.decode()
    assert reverse("opportunities:admin_dashboard") in home  # the nav links to it


def test_today_lists_overdue_deals_and_offers_one_step_away(
    client_for, partner, partner_admin, partner_user
):
    from offers.models import OfferContact

    today = clock.now().date()
    OpportunityFactory(
        partner=partner,
        name="Late deal",
        close_date=today - timedelta(days=3),
        team=[partner_admin],
    )
    OpportunityFactory(partner=partner, name="On time", close_date=today + timedelta(days=3))
    partner.partner_id = "1234567"
    partner.business_profile_complete = True
    partner.save()
    offer = OfferFactory(partner=partner, name="Almost", listing_state="live")
    offer.documents.create(
        kind="one_pager",
        file="x.pdf",
        original_name="x.pdf",
        extension="pdf",
        content_type="application/pdf",
        size=1,
    )
    OfferContact.objects.create(
        offer=offer, name="S", email="s@example.com", role="sales", countries=["OOO"]
    )
    page = client_for(partner_admin).get(reverse("home")).content.decode()
    assert page.index("today-heading") < page.index("Partner profile")
    assert "Late deal" in page and "On time" not in page
    assert "Almost" in page and "Upload a pitch deck" in page
    # a partner user sees only deals they are on
    assert "Late deal" not in client_for(partner_user).get(reverse("home")).content.decode()
