"""The co-sell status rules themselves: which requirements an offer's facts meet, and the status
that follows. Plain data in, no query, no sentence: the status engine (``status_engine.evaluate``)
explains the same answer requirement by requirement, and the nightly job (``offers.services.
reevaluate``) runs only this over every offer.
"""

from decimal import Decimal

from .models import (
    AZURE_IP_TYPES,
    BIZAPPS_TYPES,
    CoSellStatus,
    Offer,
    OfferContact,
    OfferDocument,
    OfferType,
)

REVENUE_THRESHOLD_USD = Decimal("100000")
# Transactable offers of these types pass technical validation by default.
VALIDATED_BY_DEFAULT_TYPES = frozenset(
    {OfferType.AZURE_VIRTUAL_MACHINE, OfferType.AZURE_APPLICATION}
)
ISV_CONNECT_ENROLLED = frozenset({"standard", "premium"})
# Solution types that need the partner's solutions partner designation (services partners).
SERVICES_SOLUTION_TYPES = frozenset({"service", "managed_service"})


class Code:
    """Stable requirement codes (API clients and audit events use them)."""

    PARTNER_ID = "partner_id"
    BUSINESS_PROFILE = "business_profile"
    OFFER_LIVE = "offer_live"
    ONE_PAGER = "one_pager"
    PITCH_DECK = "pitch_deck"
    SALES_CONTACT = "sales_contact"
    SOLUTION_TYPE = "solution_type"
    SERVICES_DESIGNATION = "services_designation"
    NOT_OFFICE_ADD_IN = "not_office_add_in"
    OFFER_ISV_CONNECT = "offer_isv_connect"
    AZURE_IP_TYPE = "azure_ip_type"
    SOLUTION_TYPE_IP = "solution_type_ip"
    AZURE_REVENUE = "azure_revenue"
    TECHNICAL_VALIDATION = "technical_validation"
    ARCHITECTURE_DIAGRAM = "architecture_diagram"
    BIZAPPS_TYPE = "bizapps_type"
    ISV_CONNECT = "isv_connect"
    ISV_CONNECT_PREMIUM = "isv_connect_premium"


def technical_validation_passed(offer) -> bool:
    """Passed by Microsoft's review, or by default for a transactable VM or Azure application,
    unless a review failed it: a failed validation never passes by default."""
    result = offer.technical_validation
    if result == Offer.TechnicalValidation.PASSED:
        return True
    if result == Offer.TechnicalValidation.FAILED:
        return False
    return bool(offer.transactable and offer.offer_type in VALIDATED_BY_DEFAULT_TYPES)


# The checklist's order, by the status each requirement belongs to.
READY_CODES = (
    Code.PARTNER_ID,
    Code.BUSINESS_PROFILE,
    Code.OFFER_LIVE,
    Code.ONE_PAGER,
    Code.PITCH_DECK,
    Code.SALES_CONTACT,
    Code.SOLUTION_TYPE,
    Code.SERVICES_DESIGNATION,
    Code.OFFER_ISV_CONNECT,
    Code.NOT_OFFICE_ADD_IN,
)
AZURE_CODES = (
    Code.AZURE_IP_TYPE,
    Code.SOLUTION_TYPE_IP,
    Code.AZURE_REVENUE,
    Code.TECHNICAL_VALIDATION,
    Code.ARCHITECTURE_DIAGRAM,
)
BIZAPPS_CODES = (Code.BIZAPPS_TYPE, Code.ISV_CONNECT, Code.ISV_CONNECT_PREMIUM)
CHECKLIST_CODES = READY_CODES + AZURE_CODES + BIZAPPS_CODES
# The offer's fields the rules read (the nightly job reads only these; a test holds
# ``requirements_met`` to them).
OFFER_FACTS = (
    "offer_type",
    "solution_type",
    "listing_state",
    "is_office_add_in",
    "isv_connect_enrolled",
    "transactable",
    "billed_revenue_12m_usd",
    "technical_validation",
)
_SOLUTION_TYPES = frozenset(Offer.SolutionType.values)


def requirements_met(offer, partner, kinds: set[str], roles: set[str]) -> dict[str, bool]:
    """Whether each requirement holds (code -> bool, in checklist order): the rules themselves.

    ``kinds`` and ``roles`` are the offer's document kinds and contact roles. No sentence is
    built: the nightly re-evaluation of every offer runs this, and ``evaluate`` explains it.
    """
    offer_type = offer.offer_type
    tier = str(partner.isv_connect_tier or "none")
    solution_type = str(offer.solution_type or "")
    bizapps_offer = offer_type in BIZAPPS_TYPES
    return {
        Code.PARTNER_ID: bool(partner.partner_id),
        Code.BUSINESS_PROFILE: bool(partner.business_profile_complete),
        Code.OFFER_LIVE: offer.listing_state == Offer.ListingState.LIVE,
        Code.ONE_PAGER: OfferDocument.Kind.ONE_PAGER in kinds,
        Code.PITCH_DECK: OfferDocument.Kind.PITCH_DECK in kinds,
        Code.SALES_CONTACT: OfferContact.Role.SALES in roles,
        Code.SOLUTION_TYPE: solution_type in _SOLUTION_TYPES,
        Code.SERVICES_DESIGNATION: bool(
            solution_type not in SERVICES_SOLUTION_TYPES or partner.solutions_partner_designation
        ),
        Code.OFFER_ISV_CONNECT: bool(
            not bizapps_offer or getattr(offer, "isv_connect_enrolled", False)
        ),
        Code.NOT_OFFICE_ADD_IN: not offer.is_office_add_in,
        Code.AZURE_IP_TYPE: offer_type in AZURE_IP_TYPES,
        Code.SOLUTION_TYPE_IP: offer.solution_type == Offer.SolutionType.IP,
        Code.AZURE_REVENUE: bool(
            partner.acr_trailing_12m_usd >= REVENUE_THRESHOLD_USD
            or (offer.transactable and offer.billed_revenue_12m_usd >= REVENUE_THRESHOLD_USD)
        ),
        Code.TECHNICAL_VALIDATION: technical_validation_passed(offer),
        Code.ARCHITECTURE_DIAGRAM: OfferDocument.Kind.ARCHITECTURE_DIAGRAM in kinds,
        Code.BIZAPPS_TYPE: bizapps_offer,
        Code.ISV_CONNECT: tier in ISV_CONNECT_ENROLLED,
        Code.ISV_CONNECT_PREMIUM: tier == "premium",
    }


def status_for(met: dict[str, bool]) -> str:
    """The co-sell status that the requirements ``met`` (``requirements_met``) give."""
    if not all(met[code] for code in READY_CODES):
        return CoSellStatus.NOT_READY
    if all(met[code] for code in AZURE_CODES):
        return CoSellStatus.AZURE_IP_INCENTIVE
    if met[Code.BIZAPPS_TYPE] and met[Code.ISV_CONNECT]:
        if met[Code.ISV_CONNECT_PREMIUM]:
            return CoSellStatus.BIZAPPS_PREMIUM
        return CoSellStatus.BIZAPPS_STANDARD
    return CoSellStatus.CO_SELL_READY


def outcome(offer, partner, kinds: set[str], roles: set[str]) -> tuple[str, list[str]]:
    """``(status, unmet codes)``: what ``evaluate`` decides, without its checklist's sentences."""
    met = requirements_met(offer, partner, kinds, roles)
    return status_for(met), [code for code, ok in met.items() if not ok]
