"""The co-sell status engine: one pure function from an offer's facts to the status it qualifies
for and a checklist a partner understands.

``evaluate`` takes plain data (an offer, its partner, its document kinds and contact roles) and
runs no query, so the same answer comes out of a page, the API, a task and a test.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import BIZAPPS_TYPES, CoSellStatus, Offer
from .status_rules import (  # noqa: F401 (the rules' names, used here and imported from here)
    AZURE_CODES,
    BIZAPPS_CODES,
    CHECKLIST_CODES,
    ISV_CONNECT_ENROLLED,
    OFFER_FACTS,
    READY_CODES,
    REVENUE_THRESHOLD_USD,
    SERVICES_SOLUTION_TYPES,
    VALIDATED_BY_DEFAULT_TYPES,
    Code,
    outcome,
    requirements_met,
    status_for,
    technical_validation_passed,
)


@dataclass(frozen=True)
class Requirement:
    code: str
    met: bool
    detail: Any  # a lazy translatable sentence
    # The status this requirement belongs to: co_sell_ready, azure_ip_incentive,
    # bizapps_standard or bizapps_premium.
    level: str = CoSellStatus.CO_SELL_READY

    def as_dict(self) -> dict:
        return {"code": self.code, "met": self.met, "detail": str(self.detail), "level": self.level}


@dataclass(frozen=True)
class Evaluation:
    status: str
    checklist: list[Requirement] = field(default_factory=list)

    @property
    def unmet(self) -> list[str]:
        return [r.code for r in self.checklist if not r.met]

    def requirements_for(self, status: str) -> list[Requirement]:
        """The requirements that all hold when an offer has ``status``."""
        levels = LEVELS_NEEDED.get(status, ())
        return [r for r in self.checklist if r.level in levels]

    def next_missing(self) -> Requirement | None:
        """The first requirement still missing on the offer's way up, if any."""
        by_code = {r.code: r for r in self.checklist}
        if self.status == CoSellStatus.NOT_READY:
            track = self.requirements_for(CoSellStatus.CO_SELL_READY)
        elif self.status == CoSellStatus.CO_SELL_READY and by_code[Code.AZURE_IP_TYPE].met:
            track = [r for r in self.checklist if r.level == CoSellStatus.AZURE_IP_INCENTIVE]
        elif self.status == CoSellStatus.CO_SELL_READY and by_code[Code.BIZAPPS_TYPE].met:
            track = [r for r in self.checklist if r.level == CoSellStatus.BIZAPPS_STANDARD]
        elif self.status == CoSellStatus.BIZAPPS_STANDARD:
            track = [by_code[Code.ISV_CONNECT_PREMIUM]]
        else:
            track = []
        return next((r for r in track if not r.met), None)


LEVELS_NEEDED = {
    CoSellStatus.NOT_READY: (),
    CoSellStatus.CO_SELL_READY: (CoSellStatus.CO_SELL_READY,),
    CoSellStatus.AZURE_IP_INCENTIVE: (CoSellStatus.CO_SELL_READY, CoSellStatus.AZURE_IP_INCENTIVE),
    CoSellStatus.BIZAPPS_STANDARD: (CoSellStatus.CO_SELL_READY, CoSellStatus.BIZAPPS_STANDARD),
    CoSellStatus.BIZAPPS_PREMIUM: (
        CoSellStatus.CO_SELL_READY,
        CoSellStatus.BIZAPPS_STANDARD,
        CoSellStatus.BIZAPPS_PREMIUM,
    ),
}
# Only for telling a move up from a move down.
RANK: dict[str, int] = {
    CoSellStatus.NOT_READY: 0,
    CoSellStatus.CO_SELL_READY: 1,
    CoSellStatus.BIZAPPS_STANDARD: 2,
    CoSellStatus.AZURE_IP_INCENTIVE: 3,
    CoSellStatus.BIZAPPS_PREMIUM: 3,
}


def _kind(item) -> str:
    return str(getattr(item, "kind", item))


def _role(item) -> str:
    return str(getattr(item, "role", item))


def _req(code: str, met: bool, yes, no, level=CoSellStatus.CO_SELL_READY) -> Requirement:
    return Requirement(code=code, met=bool(met), detail=yes if met else no, level=level)


def _technical_validation_sentence(offer):
    """What the partner can do about technical validation, in the state it is in."""
    result = offer.technical_validation
    if result == Offer.TechnicalValidation.PENDING:
        return _(
            "Technical validation is pending: the portal's administrators review it for "
            "Microsoft (more than half of the solution must be repeatable IP running on Azure)."
        )
    if result == Offer.TechnicalValidation.FAILED:
        return _(
            "Technical validation failed: more than half of the solution must be repeatable IP "
            "running on Azure. Change the solution and submit it for technical validation again."
        )
    return _(
        "Submit the offer for technical validation: more than half of the solution must be "
        "repeatable IP running on Azure; the portal's administrators review it for Microsoft."
    )


def evaluate(offer, partner, documents: Iterable, contacts: Iterable) -> Evaluation:
    """The co-sell status ``offer`` qualifies for, and why.

    ``documents`` are the offer's documents (or their kinds), ``contacts`` its contacts (or their
    roles). Every requirement of every status is in the checklist, met or not, in a fixed order.
    """
    kinds = {_kind(d) for d in documents}
    roles = {_role(c) for c in contacts}
    met = requirements_met(offer, partner, kinds, roles)
    services_offer = str(offer.solution_type or "") in SERVICES_SOLUTION_TYPES
    bizapps_offer = offer.offer_type in BIZAPPS_TYPES

    ready = [
        _req(
            Code.PARTNER_ID,
            met[Code.PARTNER_ID],
            _("Your partner has a PartnerID."),
            _("Your partner needs a PartnerID; ask the portal's administrators to add it."),
        ),
        _req(
            Code.BUSINESS_PROFILE,
            met[Code.BUSINESS_PROFILE],
            _("Your business profile is complete."),
            _("Complete your business profile in Partner Center."),
        ),
        _req(
            Code.OFFER_LIVE,
            met[Code.OFFER_LIVE],
            _("The offer is live on the store."),
            _(
                "The offer must be live on the store, not a draft. Publish it in Partner "
                "Center; the portal's administrators record its listing state."
            ),
        ),
        _req(
            Code.ONE_PAGER,
            met[Code.ONE_PAGER],
            _("A one-pager is uploaded."),
            _("Upload a one-pager that describes the solution."),
        ),
        _req(
            Code.PITCH_DECK,
            met[Code.PITCH_DECK],
            _("A pitch deck is uploaded."),
            _("Upload a pitch deck for Microsoft sellers."),
        ),
        _req(
            Code.SALES_CONTACT,
            met[Code.SALES_CONTACT],
            _("At least one sales contact is listed."),
            _("Add at least one contact with the sales role."),
        ),
        _req(
            Code.SOLUTION_TYPE,
            met[Code.SOLUTION_TYPE],
            _("A solution type is chosen."),
            _("Choose the solution type: IP, service, managed service or device."),
        ),
        _req(
            Code.SERVICES_DESIGNATION,
            met[Code.SERVICES_DESIGNATION],
            _(
                "Service and managed service solutions need a solutions partner designation; "
                "yours has one."
            )
            if services_offer
            else _("No solutions partner designation is needed for this solution type."),
            _(
                "Service and managed service solutions need a solutions partner designation, "
                "which your partner lacks."
            ),
        ),
        _req(
            Code.OFFER_ISV_CONNECT,
            met[Code.OFFER_ISV_CONNECT],
            _("The offer is enrolled in ISV Connect.")
            if bizapps_offer
            else _("No ISV Connect enrollment is needed for this type of offer."),
            _(
                "Dynamics 365 apps on Dataverse and Power Apps and Dynamics 365 Operations apps "
                "must be enrolled in ISV Connect; ask the portal's administrators to record the "
                "offer's enrollment."
            ),
        ),
        _req(
            Code.NOT_OFFICE_ADD_IN,
            met[Code.NOT_OFFICE_ADD_IN],
            _("The offer is not an Office add-in."),
            _("Office add-ins are never eligible for co-sell."),
        ),
    ]

    azure_level = CoSellStatus.AZURE_IP_INCENTIVE
    azure = [
        _req(
            Code.AZURE_IP_TYPE,
            met[Code.AZURE_IP_TYPE],
            _("The offer type can earn the Azure IP co-sell incentive."),
            _(
                "Only Azure application, Azure container, Azure virtual machine, IoT Edge "
                "module and SaaS offers can earn the Azure IP co-sell incentive."
            ),
            azure_level,
        ),
        _req(
            Code.SOLUTION_TYPE_IP,
            met[Code.SOLUTION_TYPE_IP],
            _("The solution type is IP (software)."),
            _("Set the solution type to IP (software)."),
            azure_level,
        ),
        _req(
            Code.AZURE_REVENUE,
            met[Code.AZURE_REVENUE],
            _(
                "Azure consumed revenue, or the offer's billed marketplace revenue, reaches "
                "USD 100,000 over the last 12 months."
            ),
            _(
                "Reach USD 100,000 of Azure consumed revenue over the last 12 months (or, for a "
                "transactable offer, USD 100,000 of billed marketplace revenue)."
            ),
            azure_level,
        ),
        _req(
            Code.TECHNICAL_VALIDATION,
            met[Code.TECHNICAL_VALIDATION],
            _("Technical validation passed: the solution is mostly repeatable IP on Azure."),
            _technical_validation_sentence(offer),
            azure_level,
        ),
        _req(
            Code.ARCHITECTURE_DIAGRAM,
            met[Code.ARCHITECTURE_DIAGRAM],
            _("A reference architecture diagram is uploaded."),
            _("Upload a reference architecture diagram."),
            azure_level,
        ),
    ]

    bizapps = [
        _req(
            Code.BIZAPPS_TYPE,
            met[Code.BIZAPPS_TYPE],
            _("The offer type can earn the Business Applications co-sell incentive."),
            _(
                "Only Dynamics 365 apps on Dataverse and Power Apps and Dynamics 365 Operations "
                "apps can earn the Business Applications co-sell incentive."
            ),
            CoSellStatus.BIZAPPS_STANDARD,
        ),
        _req(
            Code.ISV_CONNECT,
            met[Code.ISV_CONNECT],
            _("Your partner is enrolled in ISV Connect."),
            _("Enroll in the ISV Connect program (standard or premium tier)."),
            CoSellStatus.BIZAPPS_STANDARD,
        ),
        _req(
            Code.ISV_CONNECT_PREMIUM,
            met[Code.ISV_CONNECT_PREMIUM],
            _("Your partner is in the ISV Connect premium tier."),
            _("Move to the ISV Connect premium tier for the premium incentive."),
            CoSellStatus.BIZAPPS_PREMIUM,
        ),
    ]

    return Evaluation(status=status_for(met), checklist=ready + azure + bizapps)


def deciding_requirement(
    *, old_status: str, evaluation: Evaluation, previously_unmet: Iterable[str]
) -> Requirement | None:
    """The requirement that decided a move from ``old_status`` to ``evaluation.status``.

    Up: a requirement of the new status that was missing before and is met now. Down: a
    requirement of the old status that is missing now (preferably one that just lapsed).
    """
    before = set(previously_unmet)
    new_status = evaluation.status
    if RANK[new_status] >= RANK[old_status] and new_status != CoSellStatus.NOT_READY:
        gained = evaluation.requirements_for(new_status)
        return next((r for r in gained if r.code in before), gained[-1] if gained else None)
    lost = [r for r in evaluation.requirements_for(old_status) if not r.met]
    return next((r for r in lost if r.code not in before), lost[0] if lost else None)
