"""Whether a deal may be registered, as a checklist of Partner Center's rules.

Each rule answers met or not with a sentence in the reader's language, like the co-sell
checklist of an offer. The checklist reads the deal, its solutions and leads, and the exchange
rates; it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from offers.models import CoSellStatus
from opportunities.deals.choices import Category, CustomerAccount, DealType
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead

from .models import ExchangeRate

WON_AFTER = timedelta(hours=72)
PERPETUAL_YEARS = 6
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rule:
    code: str
    met: bool
    sentence: str
    detail: str = ""


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def usd_rate(currency: str, on: date) -> Decimal | None:
    """USD per unit of ``currency`` for the month of ``on`` (or the latest month before it)."""
    if currency == "USD":
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, month__lte=first_of_month(on))
        .order_by("-month")
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    return rate


def to_usd(amount: Decimal | None, currency: str, on: date) -> Decimal | None:
    if amount is None:
        return None
    rate = usd_rate(currency, on)
    if rate is None:
        return None
    return (Decimal(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal, currency: str = "USD") -> str:
    return f"{currency} {formats.number_format(amount, 2, use_l10n=True, force_grouping=True)}"


def microsoft_engaged(opportunity: Opportunity) -> bool:
    """A co-sell deal that Microsoft accepted (a lead to Microsoft was accepted), or a
    partner-led deal (shared with Microsoft for visibility, nothing to accept)."""
    if opportunity.deal_type == DealType.PARTNER_LED:
        return True
    return opportunity.leads.filter(
        receiver=Lead.Receiver.MICROSOFT, status=Lead.Status.ACCEPTED
    ).exists()


def has_azure_ip_offer(opportunity: Opportunity) -> bool:
    return opportunity.solutions.filter(
        offer__partner_id=opportunity.partner_id,
        offer__co_sell_status=CoSellStatus.AZURE_IP_INCENTIVE,
    ).exists()


def signing_date(opportunity: Opportunity, signed: date | None = None) -> date | None:
    """The contract's signing date: the one given, the registration's, else the won date."""
    if signed is not None:
        return signed
    registration = getattr(opportunity, "registration", None)
    if registration is not None and registration.pk:
        return registration.contract_signed_date
    return opportunity.closed_at.date() if opportunity.closed_at else None


def window_closes(opportunity: Opportunity, signed: date | None = None) -> date | None:
    signed = signing_date(opportunity, signed)
    return signed + timedelta(days=settings.REGISTRATION_WINDOW_DAYS) if signed else None


def checklist(opportunity: Opportunity, *, now: datetime, signed: date | None = None) -> list[Rule]:
    """Every eligibility rule for ``opportunity`` at ``now``, met or not."""
    rules: list[Rule] = []
    won = opportunity.status == Opportunity.Status.WON
    rules.append(
        Rule(
            "won",
            won,
            _("The deal is won."),
            "" if won else _("It is %(status)s.") % {"status": opportunity.get_status_display()},
        )
    )
    rules.append(
        Rule(
            "azure_ip_offer",
            has_azure_ip_offer(opportunity),
            _("One of its solutions is an offer of yours with Azure IP co-sell incentive status."),
        )
    )
    rules.append(
        Rule(
            "microsoft_engaged",
            microsoft_engaged(opportunity),
            _(
                "Microsoft accepted the co-sell deal, or it is a partner-led deal shared with "
                "Microsoft."
            ),
        )
    )
    minimum = Decimal(settings.REGISTRATION_MIN_VALUE_USD)
    on = (opportunity.closed_at or now).date()
    value_usd = to_usd(opportunity.value, opportunity.currency, on)
    if opportunity.value is None:
        detail, met = _("The deal has no value."), False
    elif value_usd is None:
        detail, met = (
            _("There is no exchange rate for %(currency)s: an administrator adds one.")
            % {"currency": opportunity.currency},
            False,
        )
    else:
        met = value_usd >= minimum
        detail = _("Its value is %(value)s.") % {"value": money(value_usd)}
        if opportunity.currency != "USD":
            detail = _("Its value is %(value)s (%(original)s at the rate of %(month)s).") % {
                "value": money(value_usd),
                "original": money(opportunity.value, opportunity.currency),
                "month": f"{first_of_month(on):%Y-%m}",
            }
    rules.append(
        Rule(
            "value",
            met,
            _("Its value is at least %(minimum)s.") % {"minimum": money(minimum)},
            detail,
        )
    )
    managed = opportunity.customer_account == CustomerAccount.MICROSOFT_MANAGED
    confirmed = bool(opportunity.customer_account_confirmed_at)
    rules.append(
        Rule(
            "customer_managed",
            managed,
            _("The customer is a Microsoft-managed account."),
            (_("A Microsoft seller confirmed it.") if confirmed else _("Set by the partner."))
            if managed
            else _("Set the customer account on the deal."),
        )
    )
    rules.append(
        Rule(
            "not_assessment",
            opportunity.category != Category.SOLUTION_ASSESSMENT,
            _("It is not a solution assessment."),
        )
    )
    won_late = bool(
        won
        and opportunity.closed_at
        and opportunity.closed_at - opportunity.created_at >= WON_AFTER
    )
    rules.append(
        Rule(
            "won_after_72h",
            won_late,
            _("It was marked won at least 72 hours after it was created."),
        )
    )
    closes = window_closes(opportunity, signed)
    in_window = closes is not None and now.date() <= closes
    rules.append(
        Rule(
            "window",
            in_window,
            _("It is registered within %(days)s days of the contract's signing date.")
            % {"days": settings.REGISTRATION_WINDOW_DAYS},
            (
                _("The window closes on %(date)s.")
                if in_window
                else _("The window closed on %(date)s.")
            )
            % {"date": formats.date_format(closes)}
            if closes
            else "",
        )
    )
    return rules


def unmet(rules: list[Rule]) -> list[str]:
    return [rule.code for rule in rules if not rule.met]


def annual_value(
    *,
    total: Decimal,
    perpetual: bool,
    start: date | None,
    end: date | None,
) -> Decimal:
    """The contract's value per year: a perpetual contract spreads over 6 years; any other
    over its length in years (a year at least)."""
    if perpetual or start is None or end is None:
        years = Decimal(PERPETUAL_YEARS) if perpetual else Decimal(1)
    else:
        years = max(Decimal(1), Decimal((end - start).days) / Decimal(365))
    return (Decimal(total) / years).quantize(CENT, rounding=ROUND_HALF_UP)
