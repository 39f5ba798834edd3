"""A won co-sell deal that meets every registration rule, and the moments around it."""

from datetime import timedelta
from decimal import Decimal

import pytest

from cosell.core import clock
from offers.models import CoSellStatus
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category, CustomerAccount
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from registrations import services
from tests.offers.factories import OfferFactory

T0 = clock.parse_instant("2026-03-02T09:00:00Z")  # a Monday
WON_AT = T0 + timedelta(days=4)
NOW = WON_AT + timedelta(days=1)


@pytest.fixture
def azure_ip_offer(partner):
    return OfferFactory(
        partner=partner,
        name="Contoso Insight Cloud",
        co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE,
        solution_areas=["data_ai"],
    )


def make_deal(
    partner,
    admin,
    seller,
    offer,
    *,
    value=50000,
    currency="USD",
    won_at=WON_AT,
    category=Category.MICROSOFT,
    accept=True,
    account=CustomerAccount.MICROSOFT_MANAGED,
    created=T0,
):
    """A co-sell deal: Microsoft's seller accepts its lead, the partner wins it."""
    # A solution assessment carries only its assessment; other deals name the offer.
    if category == Category.SOLUTION_ASSESSMENT:
        extra = {"assessment_type": "data_ai", "solutions": []}
    else:
        extra = {"solutions": [{"offer_id": offer.pk}]}
    deal = deal_services.opportunity_create(
        partner=partner,
        actor=admin,
        now=created,
        category=category,
        name="Data platform",
        customer_name="Northwind Traders",
        customer_country="US",
        value=value,
        currency=currency,
        help_needed=["general"],
        confirm_duplicate=True,
        **extra,
    )
    lead = deal.leads.filter(receiver=Lead.Receiver.MICROSOFT).first()
    if accept and lead is not None:
        lead_services.lead_accept(lead_id=lead.pk, actor=seller, now=created + timedelta(hours=1))
    if won_at is not None and category == Category.SOLUTION_ASSESSMENT:
        for stage in ("qualified", "developed", "proposed", "negotiated"):
            deal_services.opportunity_set_stage(
                opportunity_id=deal.pk, stage=stage, actor=admin, now=created
            )
    if won_at is not None:
        deal_services.opportunity_close(
            opportunity_id=deal.pk, outcome="won", actor=admin, now=won_at
        )
    if account:
        services.customer_account_set(
            opportunity_id=deal.pk, actor=admin, now=created, customer_account=account
        )
    deal.refresh_from_db()
    return deal


def form(**changes):
    fields = {
        "marketplace_transaction": False,
        "deployed_on_azure": True,
        "perpetual": False,
        "total_contract_value": Decimal("100000"),
        "solution_value": Decimal("60000"),
        "contract_signed_date": WON_AT.date(),
        "contract_start_date": WON_AT.date(),
        "contract_end_date": WON_AT.date() + timedelta(days=365),
        "tenant_type": "customer",
        "pricing_model": "other",
    }
    fields.update(changes)
    return fields


@pytest.fixture
def deal(partner, partner_admin, seller, azure_ip_offer):
    seller.seller.solution_areas = ["data_ai"]
    seller.seller.save()
    return make_deal(partner, partner_admin, seller, azure_ip_offer)
