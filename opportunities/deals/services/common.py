"""Checks and steps every deal service shares."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from cosell.core.errors import Conflict, InvalidTransition, ValidationFailed
from cosell.partners.models import Partner
from offers.models import CO_SELL_READY_STATUSES, Offer
from opportunities.deals.choices import (
    CO_SELL_CATEGORIES,
    AssessmentType,
    Category,
)
from opportunities.deals.models import (
    Opportunity,
    OpportunitySolution,
    TeamMember,
    normalize_customer_name,
)


def require_active(opportunity: Opportunity, to: str) -> None:
    if opportunity.is_terminal:
        raise InvalidTransition(
            opportunity,
            to=to,
            message=_("This opportunity is closed (%(status)s); nothing changes any more.")
            % {"status": opportunity.get_status_display()},
        )


def partner_or_error(partner_id, field: str = "partner_id") -> Partner:
    try:
        return Partner.objects.get(pk=int(partner_id))
    except (TypeError, ValueError, Partner.DoesNotExist):
        raise ValidationFailed({field: [_("No partner with this id.")]}) from None


def team_add(*, opportunity: Opportunity, user, role: str, now: datetime) -> TeamMember:
    member, _created = TeamMember.objects.get_or_create(
        opportunity=opportunity, user=user, defaults={"role": role, "added_at": now}
    )
    return member


EDITABLE_FIELDS = (
    "name",
    "customer_name",
    "customer_address",
    "customer_country",
    "customer_size",
    "customer_duns",
    "contact_consent",
    "contact_name",
    "contact_email",
    "contact_phone",
    "value",
    "currency",
    "close_date",
    "notes",
    "help_needed",
    "assessment_type",
    "crm_id",
    "purchase_intent",
)


class DuplicateOpportunity(Conflict):
    """The customer already has an active opportunity of this partner for the same solution."""

    code = "duplicate"


def has_co_sell_ready_offer(partner: Partner) -> bool:
    return Offer.objects.filter(partner=partner, co_sell_status__in=CO_SELL_READY_STATUSES).exists()


def category_errors(
    partner: Partner, category: str, fields: dict, *, co_sell_ready: bool | None = None
) -> dict[str, list[str]]:
    """The rules each category sets on the deal and on the partner (``co_sell_ready``: the
    partner's readiness when the caller already knows it, as a set-based import does)."""
    errors: dict[str, list[str]] = {}
    if category not in Category.values:
        return {"category": [_("Choose one of: %s.") % ", ".join(Category.values)]}
    if co_sell_ready is None and category in CO_SELL_CATEGORIES:
        co_sell_ready = has_co_sell_ready_offer(partner)
    if category in CO_SELL_CATEGORIES and not co_sell_ready:
        errors["category"] = [
            _("Co-sell with Microsoft needs at least one co-sell-ready offer of yours.")
        ]
    if category == Category.SOLUTION_ASSESSMENT:
        if not partner.sa_vetted:
            errors.setdefault("category", []).append(
                _("Only partners vetted for solution assessments can record one.")
            )
        if fields.get("assessment_type") not in AssessmentType.values:
            errors["assessment_type"] = [_("A solution assessment needs one assessment type.")]
        if not fields.get("customer_country"):
            errors["customer_country"] = [_("A solution assessment needs the customer location.")]
    elif fields.get("assessment_type"):
        errors["assessment_type"] = [_("Only solution assessments have an assessment type.")]
    return errors


def clean_solutions(
    partner: Partner, solutions: Iterable[dict], *, category: str = ""
) -> list[OpportunitySolution]:
    """At least one solution: an offer of the partner's own, or a named Microsoft or
    third-party solution. A solution assessment carries only its assessment: no solutions."""
    if category == Category.SOLUTION_ASSESSMENT:
        if solutions:
            raise ValidationFailed(
                {"solutions": [_("A solution assessment carries only its assessment type.")]}
            )
        return []
    cleaned: list[OpportunitySolution] = []
    offer_ids = set()
    for item in solutions or ():
        if item.get("offer_id") is not None:
            offer_ids.add(item["offer_id"])
            continue
        kind, name = item.get("kind", ""), (item.get("name") or "").strip()
        if kind not in (OpportunitySolution.Kind.MICROSOFT, OpportunitySolution.Kind.THIRD_PARTY):
            raise ValidationFailed(
                {"solutions": [_("A named solution is a Microsoft or a third-party solution.")]}
            )
        if not name:
            raise ValidationFailed({"solutions": [_("Name the solution.")]})
        cleaned.append(OpportunitySolution(kind=kind, name=name[:200]))
    if offer_ids:
        offers = {o.pk: o for o in Offer.objects.filter(partner=partner, pk__in=offer_ids)}
        missing = offer_ids - set(offers)
        if missing:
            raise ValidationFailed(
                {"solutions": [_("These offers are not yours: %s.") % sorted(missing)]}
            )
        cleaned = [
            OpportunitySolution(kind=OpportunitySolution.Kind.OFFER, offer=offers[pk])
            for pk in sorted(offer_ids)
        ] + cleaned
    if not cleaned:
        raise ValidationFailed({"solutions": [_("Add at least one solution.")]})
    return cleaned


def find_duplicate(
    partner: Partner, fields: dict, solutions: list[OpportunitySolution]
) -> Opportunity | None:
    same_customer = Q(customer_name_normalized=normalize_customer_name(fields["customer_name"]))
    if fields.get("customer_duns"):
        same_customer |= Q(customer_duns=fields["customer_duns"])
    offer_ids = [s.offer_id for s in solutions if s.offer_id]
    names = [s.name for s in solutions if not s.offer_id]
    same_solution = Q(solutions__offer_id__in=offer_ids)
    if not solutions and fields.get("assessment_type"):
        same_solution = Q(assessment_type=fields["assessment_type"])
    for name in names:
        same_solution |= Q(solutions__name__iexact=name)
    return (
        Opportunity.objects.filter(partner=partner, status=Opportunity.Status.ACTIVE)
        .filter(same_customer)
        .filter(same_solution)
        .order_by("created_at", "id")
        .first()
    )


def invitees_of(partner: Partner, partner_ids: Iterable) -> list[Partner]:
    invitees = []
    for partner_id in partner_ids or ():
        invitee = partner_or_error(partner_id, field="invite_partner_ids")
        if invitee.pk == partner.pk:
            raise ValidationFailed({"invite_partner_ids": [_("You cannot invite yourselves.")]})
        invitees.append(invitee)
    return invitees
