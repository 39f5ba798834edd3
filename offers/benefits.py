"""What a co-sell status brings an offer: a pure function, like the status engine."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import CO_SELL_READY_STATUSES, CoSellStatus, Offer, OfferType

# The Azure IP incentive types of IaaS kind (they run in the customer's Azure subscription)
# and of SaaS kind. IoT Edge modules run on devices and are neither.
CSP_INCENTIVE_TYPES = frozenset(
    {
        OfferType.AZURE_VIRTUAL_MACHINE,
        OfferType.AZURE_CONTAINER,
        OfferType.AZURE_APPLICATION,
        OfferType.SAAS,
    }
)


class BenefitCode:
    CSP_INCENTIVE = "csp_incentive"
    AZURE_BENEFIT = "azure_benefit_eligible"
    PREFERRED_SOLUTION = "preferred_solution_badge"


@dataclass(frozen=True)
class Benefit:
    code: str
    applies: bool
    label: Any
    reason: Any

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "applies": self.applies,
            "label": str(self.label),
            "reason": str(self.reason),
        }


# The incentive statuses: only they earn the Preferred solution badge. A Business Applications
# incentive is a co-sell-ready Dynamics offer that is itself enrolled in ISV Connect; a SaaS or
# Business Central offer of a partner that happens to be in ISV Connect is not badged for that.
BADGE_STATUSES = frozenset(
    {
        CoSellStatus.AZURE_IP_INCENTIVE,
        CoSellStatus.BIZAPPS_STANDARD,
        CoSellStatus.BIZAPPS_PREMIUM,
    }
)


def badge_eligible(status: str, partner=None) -> bool:
    """Whether an offer with ``status`` earns the Microsoft Preferred solution badge.

    ``partner`` is accepted for the callers that pass it; the status alone decides.
    """
    return status in BADGE_STATUSES


def benefits(offer, partner, status: str | None = None) -> list[Benefit]:
    """The benefits of ``offer`` at ``status`` (default: its current status), each with why."""
    status = status or offer.co_sell_status
    azure_ip = status == CoSellStatus.AZURE_IP_INCENTIVE

    if not azure_ip:
        csp = (False, _("Only offers with the Azure IP co-sell incentive earn it."))
    elif offer.offer_type not in CSP_INCENTIVE_TYPES:
        csp = (False, _("Only IaaS and SaaS offers earn it; IoT Edge modules do not."))
    else:
        # xgettext:no-python-format
        csp = (True, _("CSP partners earn a 10% incentive when they resell this offer."))

    if not azure_ip:
        macc = (False, _("Only offers with the Azure IP co-sell incentive are eligible."))
    elif offer.listing_state != Offer.ListingState.LIVE:
        macc = (False, _("The offer must be live."))
    elif not offer.transactable:
        macc = (False, _("The offer must be transactable on the marketplace."))
    elif not offer.has_paid_plan:
        macc = (False, _("The offer needs a paid plan (a price above zero)."))
    else:
        macc = (
            True,
            _("Purchases count toward the customer's Azure consumption commitment (MACC)."),
        )

    if azure_ip:
        badge = (True, _("Offers with the Azure IP co-sell incentive earn the badge."))
    elif badge_eligible(status):
        badge = (
            True,
            _("Offers with a Business Applications co-sell incentive earn the badge."),
        )
    elif status in CO_SELL_READY_STATUSES:
        badge = (
            False,
            _(
                "Only offers with a co-sell incentive status (Azure IP, or Business Applications "
                "for Dynamics 365 offers enrolled in ISV Connect) earn the badge."
            ),
        )
    else:
        badge = (False, _("The offer must be co-sell ready first."))

    # xgettext:no-python-format
    csp_label = _("CSP partner 10% incentive")
    return [
        Benefit(BenefitCode.CSP_INCENTIVE, csp[0], csp_label, csp[1]),
        Benefit(BenefitCode.AZURE_BENEFIT, macc[0], _("Eligible for Azure benefit"), macc[1]),
        Benefit(
            BenefitCode.PREFERRED_SOLUTION,
            badge[0],
            _("Microsoft Preferred solution badge"),
            badge[1],
        ),
    ]
