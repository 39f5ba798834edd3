"""Every eligibility rule, met and not, at its boundary."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from opportunities.deals.choices import Category, CustomerAccount
from registrations import eligibility
from registrations.models import ExchangeRate

from .conftest import NOW, T0, WON_AT, make_deal


def rules_of(deal, now=NOW, signed=None):
    return {r.code: r for r in eligibility.checklist(deal, now=now, signed=signed)}


@pytest.fixture
def build(partner, partner_admin, seller, azure_ip_offer):
    def _build(**kw):
        return make_deal(partner, partner_admin, seller, azure_ip_offer, **kw)

    return _build


def test_an_eligible_deal_meets_every_rule(deal):
    rules = rules_of(deal)
    assert [code for code, rule in rules.items() if not rule.met] == []
    assert list(rules) == [
        "won",
        "azure_ip_offer",
        "microsoft_engaged",
        "value",
        "customer_managed",
        "not_assessment",
        "won_after_72h",
        "window",
    ]
    assert all(rule.sentence for rule in rules.values())


@pytest.mark.parametrize(("value", "met"), [("24999.99", False), ("25000", True)])
def test_value_of_at_least_usd_25000(build, value, met):
    assert rules_of(build(value=Decimal(value)))["value"].met is met


@pytest.mark.parametrize(
    ("after", "met"), [(timedelta(hours=71, minutes=59), False), (timedelta(hours=72), True)]
)
def test_not_won_within_72_hours_of_creation(build, after, met):
    deal = build(won_at=T0 + after)
    assert rules_of(deal, now=T0 + after + timedelta(hours=1))["won_after_72h"].met is met


@pytest.mark.parametrize(("days", "met"), [(60, True), (61, False)])
def test_inside_the_60_days_after_signing(deal, days, met):
    signed = WON_AT.date()
    rule = rules_of(deal, now=WON_AT + timedelta(days=days), signed=signed)["window"]
    assert rule.met is met
    assert (signed + timedelta(days=60)).strftime("%Y") in rule.detail


def test_a_currency_without_a_rate_says_so_and_a_rate_converts(build):
    deal = build(value=Decimal("200000"), currency="CNY")
    rule = rules_of(deal)["value"]
    assert rule.met is False
    assert "CNY" in rule.detail
    ExchangeRate.objects.create(currency="CNY", month=date(2026, 2, 1), usd_per_unit="0.14")
    rule = rules_of(deal)["value"]  # March uses February's rate: the latest month kept
    assert rule.met is True
    assert "28,000.00" in rule.detail
    ExchangeRate.objects.create(currency="CNY", month=date(2026, 3, 1), usd_per_unit="0.12")
    assert rules_of(deal)["value"].met is False  # 24,000 at March's own rate


def test_not_won_not_managed_not_accepted_and_assessments_are_not_eligible(build, partner, seller):
    assert rules_of(build(won_at=None))["won"].met is False
    assert (
        rules_of(build(account=CustomerAccount.MICROSOFT_UNMANAGED))["customer_managed"].met
        is False
    )
    assert rules_of(build(accept=False))["microsoft_engaged"].met is False
    partner.sa_vetted = True
    partner.save()
    seller.seller.is_sa_team = True
    seller.seller.save()
    assessment = build(category=Category.SOLUTION_ASSESSMENT)
    assert rules_of(assessment)["not_assessment"].met is False


def test_an_offer_without_azure_ip_incentive_is_not_enough(deal, azure_ip_offer):
    azure_ip_offer.co_sell_status = "co_sell_ready"
    azure_ip_offer.save()
    assert rules_of(deal)["azure_ip_offer"].met is False


def test_a_perpetual_contract_counts_its_value_over_six_years():
    annual = eligibility.annual_value(total=Decimal("150000"), perpetual=True, start=None, end=None)
    assert annual == Decimal("25000.00")
    two_years = eligibility.annual_value(
        total=Decimal("100000"), perpetual=False, start=date(2026, 1, 1), end=date(2027, 12, 31)
    )
    assert two_years == Decimal("50068.59")


def test_administrators_load_monthly_rates_from_a_csv(db, tmp_path):
    from django.core.management import CommandError, call_command

    good = tmp_path / "rates.csv"
    good.write_text("currency,month,usd_per_unit\nCNY,2026-02,0.14\neur,2026-02-01,1.08\n")
    call_command("load_exchange_rates", str(good))
    assert eligibility.usd_rate("EUR", date(2026, 3, 15)) == Decimal("1.08")
    good.write_text("currency,month,usd_per_unit\nCNY,2026-02,0.15\n")
    call_command("load_exchange_rates", str(good))  # a month's rate is replaced
    assert ExchangeRate.objects.get(currency="CNY").usd_per_unit == Decimal("0.15")
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,month,usd_per_unit\nJPY,2026-02,0.0067\nXX,2026-13,-1\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("load_exchange_rates", str(bad))
    assert not ExchangeRate.objects.filter(currency="JPY").exists()  # all or nothing


def test_a_partner_led_deal_needs_no_acceptance(partner, partner_admin, seller, azure_ip_offer):
    from opportunities.deals import services as deal_services
    from opportunities.deals.choices import DealType

    deal = deal_services.opportunity_create(
        partner=partner, actor=partner_admin, now=T0, category=Category.MICROSOFT,
        name="Shared for visibility", customer_name="Fabrikam Retail", customer_country="US",
        value=50000, currency="USD", help_needed=[], share_with_microsoft=True,
        solutions=[{"offer_id": azure_ip_offer.pk}],
    )  # fmt: skip
    assert deal.deal_type == DealType.PARTNER_LED
    assert rules_of(deal)["microsoft_engaged"].met is True
