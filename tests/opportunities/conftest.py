from datetime import datetime, timedelta

import pytest

from cosell.core import clock
from opportunities.deals import services
from opportunities.deals.choices import Category
from tests.opportunities.factories import co_sell_ready_offer
from tests.partners.factories import SellerFactory, UserFactory

T0 = clock.parse_instant("2026-03-02T09:00:00Z")


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def ready_offer(partner):
    return co_sell_ready_offer(partner, name="Contoso Insights", solution_areas=["data_ai"])


@pytest.fixture
def cn_seller(db):
    """A seller whose territory does not cover the US customers of these tests."""
    return SellerFactory(user=UserFactory(username="chen"), countries=["CN"]).user


@pytest.fixture
def sa_seller(db):
    return SellerFactory(user=UserFactory(username="sasha"), countries=["US"], is_sa_team=True).user


def make_opportunity(partner, actor, *, category=Category.PRIVATE, now=T0, offer=None, **kw):
    fields = {
        "name": "Data platform",
        "customer_name": "Northwind Traders",
        "customer_country": "US",
        "value": 50000,
        "currency": "USD",
        **kw,
    }
    if category == Category.MICROSOFT:
        # A co-sell deal by default (help asked); pass help_needed=[] for partner-led.
        fields.setdefault("help_needed", ["general"])
    solutions = fields.pop("solutions", None) or (
        [{"offer_id": offer.pk}] if offer else [{"kind": "microsoft", "name": "Azure"}]
    )
    if category == Category.SOLUTION_ASSESSMENT:
        solutions = []  # a solution assessment carries only its assessment
    return services.opportunity_create(
        partner=partner, actor=actor, now=now, category=category, solutions=solutions, **fields
    )


def days(n: float) -> timedelta:
    return timedelta(days=n)
