"""Creating a deal: in one of the four categories, shared or invited as its kind asks."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit
from cosell.core.errors import ValidationFailed
from cosell.partners.models import Partner
from opportunities import consent, events
from opportunities.deals.choices import (
    Category,
    DealType,
    Stage,
)
from opportunities.deals.models import (
    Opportunity,
    OpportunitySolution,
    TeamMember,
    normalize_customer_name,
)
from opportunities.deals.services.common import (
    EDITABLE_FIELDS,
    DuplicateOpportunity,
    category_errors,
    clean_solutions,
    find_duplicate,
    invitees_of,
    team_add,
)
from opportunities.deals.services.sharing import (
    deal_type_errors,
    deal_type_for,
    share,
)


def opportunity_create(
    *,
    partner: Partner,
    actor,
    now: datetime,
    category: str,
    name: str,
    customer_name: str,
    solutions: list[dict],
    invite_partner_ids: Iterable = (),
    invite_microsoft: bool = False,
    share_with_microsoft: bool = True,
    deal_type: str = "",
    confirm_duplicate: bool = False,
    **fields,
) -> Opportunity:
    """Record a deal and share it as its category says: a lead to Microsoft (routed to the
    covering seller, else the shared queue), or to each invited partner (a P2P deal may invite
    Microsoft too, ``invite_microsoft``).

    A ``microsoft`` deal's type follows ``deal_type_for``: help asked is co-sell; no help and
    ``share_with_microsoft`` is partner-led; neither records a private deal. A ``deal_type``
    given by the caller must agree with the help asked.

    An active opportunity of this partner for the same customer with an overlapping solution
    raises ``DuplicateOpportunity`` unless ``confirm_duplicate``.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed({field: [_("Unknown field.")] for field in sorted(unknown)})
    fields = {
        **fields,
        "name": (name or "").strip(),
        "customer_name": (customer_name or "").strip(),
    }
    errors = category_errors(partner, category, fields)
    errors.update(deal_type_errors(category, deal_type, fields.get("help_needed")))
    if deal_type == DealType.PARTNER_LED:
        share_with_microsoft = True
    if not errors.get("category"):
        category, deal_type = deal_type_for(
            category, fields.get("help_needed"), share_with_microsoft
        )
    for required in ("name", "customer_name"):
        if not fields[required]:
            errors[required] = [_("This field is required.")]
    consent.require(fields, errors)
    if invite_partner_ids and category != Category.P2P:
        errors["invite_partner_ids"] = [_("Only partner-to-partner deals invite partners.")]
    if invite_microsoft and category != Category.P2P:
        errors["invite_microsoft"] = [
            _("Only partner-to-partner deals invite Microsoft as well as partners.")
        ]
    if errors:
        raise ValidationFailed(errors)
    cleaned_solutions = clean_solutions(partner, solutions, category=category)
    invitees = invitees_of(partner, invite_partner_ids)
    with transaction.atomic():
        # One writer per partner at a time, so two identical submissions cannot both pass the
        # duplicate check.
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        if not confirm_duplicate:
            duplicate = find_duplicate(partner, fields, cleaned_solutions)
            if duplicate is not None:
                raise DuplicateOpportunity(
                    _("“%(name)s” is already an active opportunity for this customer.")
                    % {"name": duplicate.name},
                    duplicate_of=duplicate.pk,
                )
        opportunity = Opportunity(
            partner=partner,
            category=category,
            deal_type=deal_type,
            stage=Stage.CREATED,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            created_at=now,
            updated_at=now,
            **fields,
        )
        opportunity.customer_name_normalized = normalize_customer_name(opportunity.customer_name)
        opportunity.full_clean(exclude=["partner", "created_by"])
        opportunity.save()
        for solution in cleaned_solutions:
            solution.opportunity = opportunity
        OpportunitySolution.objects.bulk_create(cleaned_solutions)
        if actor is not None and actor.is_authenticated and not actor.is_staff:
            team_add(opportunity=opportunity, user=actor, role=TeamMember.Role.OWNER, now=now)
        audit.record(
            opportunity,
            "created",
            to=Opportunity.Status.ACTIVE,
            actor=actor,
            at=now,
            extra={
                "category": category,
                "deal_type": deal_type,
                "invite_microsoft": bool(invite_microsoft),
                "confirmed_duplicate": bool(confirm_duplicate),
            },
        )
        events.emit_opportunity(
            "opportunity.created",
            opportunity,
            at=now,
            invitee_ids=[invitee.pk for invitee in invitees],
        )
        share(
            opportunity,
            actor=actor,
            now=now,
            invitees=invitees,
            with_microsoft=invite_microsoft,
        )
    return opportunity
