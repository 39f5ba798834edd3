from decimal import Decimal

import pytest

from cosell.partners.models import Partner
from offers.benefits import BenefitCode, badge_eligible, benefits
from offers.models import CoSellStatus, Offer, OfferType


def partner(tier="none"):
    return Partner(name="P", isv_connect_tier=tier, acr_trailing_12m_usd=Decimal("0"))


def offer(**kw):
    values = {
        "offer_type": OfferType.SAAS,
        "listing_state": Offer.ListingState.LIVE,
        "transactable": True,
        "has_paid_plan": True,
        "co_sell_status": CoSellStatus.AZURE_IP_INCENTIVE,
    }
    values.update(kw)
    return Offer(**values)


def applies(o, p=None):
    return {b.code: b.applies for b in benefits(o, p or partner())}


def test_azure_ip_saas_offer_live_transactable_paid_earns_everything():
    result = benefits(offer(), partner())
    assert {b.code: b.applies for b in result} == {
        BenefitCode.CSP_INCENTIVE: True,
        BenefitCode.AZURE_BENEFIT: True,
        BenefitCode.PREFERRED_SOLUTION: True,
    }
    assert all(str(b.reason) and str(b.label) for b in result)


@pytest.mark.parametrize(
    ("offer_type", "csp"),
    [
        (OfferType.SAAS, True),
        (OfferType.AZURE_VIRTUAL_MACHINE, True),
        (OfferType.AZURE_CONTAINER, True),
        (OfferType.AZURE_APPLICATION, True),
        (OfferType.IOT_EDGE_MODULE, False),
    ],
)
def test_csp_incentive_is_for_iaas_and_saas_kinds(offer_type, csp):
    assert applies(offer(offer_type=offer_type))[BenefitCode.CSP_INCENTIVE] is csp


@pytest.mark.parametrize(
    "kwargs",
    [
        {"transactable": False},
        {"has_paid_plan": False},
        {"listing_state": Offer.ListingState.DRAFT},
        {"co_sell_status": CoSellStatus.CO_SELL_READY},
    ],
)
def test_azure_benefit_needs_incentive_live_transactable_and_a_price(kwargs):
    result = {b.code: b for b in benefits(offer(**kwargs), partner())}
    assert result[BenefitCode.AZURE_BENEFIT].applies is False
    assert str(result[BenefitCode.AZURE_BENEFIT].reason)


@pytest.mark.parametrize(
    ("status", "tier", "eligible"),
    [
        (CoSellStatus.AZURE_IP_INCENTIVE, "none", True),
        # Only incentive statuses are badged: a co-sell-ready offer of an ISV Connect partner
        # is not (the old rule badged it).
        (CoSellStatus.CO_SELL_READY, "standard", False),
        (CoSellStatus.CO_SELL_READY, "premium", False),
        (CoSellStatus.BIZAPPS_STANDARD, "standard", True),
        (CoSellStatus.BIZAPPS_PREMIUM, "premium", True),
        (CoSellStatus.CO_SELL_READY, "none", False),
        (CoSellStatus.NOT_READY, "premium", False),
    ],
)
def test_preferred_solution_badge(status, tier, eligible):
    assert badge_eligible(status, partner(tier)) is eligible
    o = offer(co_sell_status=status)
    assert applies(o, partner(tier))[BenefitCode.PREFERRED_SOLUTION] is eligible


def test_not_ready_offers_earn_nothing():
    assert not any(applies(offer(co_sell_status=CoSellStatus.NOT_READY)).values())


@pytest.mark.parametrize(
    "offer_type",
    [OfferType.SAAS, OfferType.DYNAMICS_365_BUSINESS_CENTRAL, OfferType.POWER_BI_APP],
)
def test_co_sell_ready_offers_of_isv_connect_partners_are_not_badged_for_that(offer_type):
    """Fails on the old rule: SaaS, Business Central and Power BI offers were badged whenever
    their partner had an ISV Connect tier."""
    o = offer(offer_type=offer_type, co_sell_status=CoSellStatus.CO_SELL_READY)
    result = {b.code: b for b in benefits(o, partner("premium"))}
    assert result[BenefitCode.PREFERRED_SOLUTION].applies is False
    assert "incentive" in str(result[BenefitCode.PREFERRED_SOLUTION].reason)
