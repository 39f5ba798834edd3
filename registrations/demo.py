"""Demo deal registration (``manage.py seed_demo``): rates for the demo's currencies, the
customer account of the won deal, and its registration. Idempotent."""

from datetime import date, timedelta
from decimal import Decimal

from cosell.core import clock
from opportunities.deals.choices import CustomerAccount
from opportunities.deals.models import Opportunity

from . import rules, services
from .models import ExchangeRate

RATES = {"CNY": Decimal("0.1390"), "EUR": Decimal("1.0800"), "JPY": Decimal("0.0067")}


def seed() -> list[tuple[str, str]]:
    now = clock.now()
    month = date(now.year, now.month, 1)
    for currency, rate in RATES.items():
        for back in range(3):
            first = (month - timedelta(days=31 * back)).replace(day=1)
            ExchangeRate.objects.get_or_create(
                currency=currency, month=first, defaults={"usd_per_unit": rate}
            )
    _registered_co_sell_deal(now)
    return []


def _registered_co_sell_deal(now) -> None:
    """DEMO-7, a partner-led deal shared with Microsoft: the partner wins it and registers it."""
    from django.contrib.auth import get_user_model

    from cosell.core.errors import DomainError
    from opportunities.deals import services as deal_services
    from opportunities.leads import services as lead_services
    from opportunities.leads.models import Lead

    deal = Opportunity.objects.filter(crm_id="DEMO-7").first()
    seller = get_user_model().objects.filter(username="seller").first()
    admin = get_user_model().objects.filter(username="contoso-admin").first()
    if deal is None or seller is None or admin is None or hasattr(deal, "registration"):
        return
    try:
        lead = deal.leads.filter(receiver=Lead.Receiver.MICROSOFT).first()
        if lead is not None and lead.status == Lead.Status.RECEIVED and lead.needs_answer:
            lead_services.lead_accept(lead_id=lead.pk, actor=seller, now=now - timedelta(days=4))
        if deal.status == Opportunity.Status.ACTIVE:
            deal_services.opportunity_close(
                opportunity_id=deal.pk, outcome="won", actor=admin, now=now - timedelta(days=3)
            )
        services.customer_account_set(
            opportunity_id=deal.pk,
            actor=admin,
            now=now,
            customer_account=CustomerAccount.MICROSOFT_MANAGED,
        )
        if rules.can_confirm_customer_account(seller, deal):
            services.customer_account_confirm(opportunity_id=deal.pk, actor=seller, now=now)
        today = now.date()
        services.registration_create(
            opportunity_id=deal.pk,
            actor=admin,
            now=now,
            marketplace_transaction=True,
            marketplace_transaction_date=today + timedelta(days=10),
            deployed_on_azure=True,
            perpetual=False,
            total_contract_value=Decimal("90000"),
            solution_value=Decimal("60000"),
            contract_signed_date=today - timedelta(days=3),
            contract_start_date=today,
            contract_end_date=today + timedelta(days=365),
            tenant_type="customer",
            pricing_model="other",
        )
    except DomainError:
        return  # the demo deal moved on (a second seed, or a changed rule): leave it be
