"""Opportunity writes: create, update, invite, upgrade, stage, close."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import cast

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_countries.fields import Country

from cosell.core import audit, effects
from cosell.core.errors import Conflict, InvalidTransition, PreconditionFailed, ValidationFailed
from cosell.partners.models import Partner
from offers.models import CO_SELL_READY_STATUSES, Offer

from .. import events, tasks
from ..models import (
    CO_SELL_CATEGORIES,
    STAGE_ORDER,
    AssessmentType,
    Category,
    DealType,
    ErrorReason,
    Lead,
    LostReason,
    Opportunity,
    OpportunitySolution,
    Stage,
    TeamMember,
    normalize_customer_name,
)
from . import deal_types
from .common import (
    check_contact,
    partner_or_error,
    require_active,
    require_owner_side,
    send_lead,
    team_add,
)
from .deal_types import (
    ask_microsoft_for_help,
    deal_type_errors,
    deal_type_for,
    microsoft_lead,
)

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
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


class DuplicateOpportunity(Conflict):
    """The customer already has an active opportunity of this partner for the same solution."""

    code = "duplicate"


def _has_co_sell_ready_offer(partner: Partner) -> bool:
    return Offer.objects.filter(partner=partner, co_sell_status__in=CO_SELL_READY_STATUSES).exists()


def _category_errors(
    partner: Partner, category: str, fields: dict, *, co_sell_ready: bool | None = None
) -> dict[str, list[str]]:
    """The rules each category sets on the deal and on the partner (``co_sell_ready``: the
    partner's readiness when the caller already knows it, as a set-based import does)."""
    errors: dict[str, list[str]] = {}
    if category not in Category.values:
        return {"category": [_("Choose one of: %s.") % ", ".join(Category.values)]}
    if co_sell_ready is None and category in CO_SELL_CATEGORIES:
        co_sell_ready = _has_co_sell_ready_offer(partner)
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


def _clean_solutions(
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


def _find_duplicate(
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


def _invitees(partner: Partner, partner_ids: Iterable) -> list[Partner]:
    invitees = []
    for partner_id in partner_ids or ():
        invitee = partner_or_error(partner_id, field="invite_partner_ids")
        if invitee.pk == partner.pk:
            raise ValidationFailed({"invite_partner_ids": [_("You cannot invite yourselves.")]})
        invitees.append(invitee)
    return invitees


def _share(
    opportunity: Opportunity,
    *,
    actor,
    now: datetime,
    invitees: Iterable[Partner] = (),
    invite_microsoft: bool = False,
) -> list[Lead]:
    """The leads a category implies: to Microsoft, or to each invited partner (and to
    Microsoft too when a P2P deal invites it)."""
    if opportunity.category in CO_SELL_CATEGORIES:
        return [microsoft_lead(opportunity, actor=actor, now=now)]
    leads = (
        [deal_types.invite_microsoft(opportunity, actor=actor, now=now)] if invite_microsoft else []
    )
    return leads + [
        send_lead(
            opportunity=opportunity,
            actor=actor,
            now=now,
            receiver_partner=invitee,
            source=Lead.Source.PARTNER,
            sender_partner=opportunity.partner,
        )
        for invitee in invitees
    ]


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
    errors = _category_errors(partner, category, fields)
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
    check_contact(fields, errors)
    if invite_partner_ids and category != Category.P2P:
        errors["invite_partner_ids"] = [_("Only partner-to-partner deals invite partners.")]
    if invite_microsoft and category != Category.P2P:
        errors["invite_microsoft"] = [
            _("Only partner-to-partner deals invite Microsoft as well as partners.")
        ]
    if errors:
        raise ValidationFailed(errors)
    cleaned_solutions = _clean_solutions(partner, solutions, category=category)
    invitees = _invitees(partner, invite_partner_ids)
    with transaction.atomic():
        # One writer per partner at a time, so two identical submissions cannot both pass the
        # duplicate check.
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        if not confirm_duplicate:
            duplicate = _find_duplicate(partner, fields, cleaned_solutions)
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
        _share(
            opportunity,
            actor=actor,
            now=now,
            invitees=invitees,
            invite_microsoft=invite_microsoft,
        )
    return opportunity


def _lock(opportunity_id: int) -> Opportunity:
    return Opportunity.objects.select_for_update().get(pk=opportunity_id)


def _check_version(opportunity: Opportunity, expected_version: int | None) -> None:
    """A stale ``expected_version`` (the API's If-Match) raises PreconditionFailed; every write
    to an opportunity checks it under the row lock, before anything else."""
    if expected_version is not None and expected_version != opportunity.version:
        raise PreconditionFailed(
            _("The opportunity changed since you read it; reload and try again."),
            current_version=opportunity.version,
        )


def opportunity_update(
    *,
    opportunity_id: int,
    actor,
    now: datetime,
    expected_version: int | None = None,
    solutions: list[dict] | None = None,
    **changes,
) -> Opportunity:
    """Change a deal's fields. A stale ``expected_version`` (If-Match) raises
    PreconditionFailed; a closed deal raises InvalidTransition."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            {field: [_("This field cannot be changed here.")] for field in unknown}
        )
    with transaction.atomic():
        opportunity = _lock(opportunity_id)
        require_owner_side(actor, opportunity)
        _check_version(opportunity, expected_version)
        require_active(opportunity, to="updated")
        if changes.get("contact_consent") is False:
            # Withdrawn consent: the contact goes with it.
            for field in CONTACT_FIELDS:
                changes.setdefault(field, "")
        changed = [f for f in changes if getattr(opportunity, f) != changes[f]]
        for field in changed:
            setattr(opportunity, field, changes[field])
        merged = {f: getattr(opportunity, f) for f in EDITABLE_FIELDS}
        errors: dict[str, list[str]] = {}
        check_contact(merged, errors)
        rule_errors = _category_errors(opportunity.partner, opportunity.category, merged)
        rule_errors.pop("category", None)  # partner rules hold at creation, not on every edit
        errors.update(rule_errors)
        if not merged["name"].strip():
            errors["name"] = [_("This field is required.")]
        if not merged["customer_name"].strip():
            errors["customer_name"] = [_("This field is required.")]
        if opportunity.deal_type == DealType.CO_SELL and not merged["help_needed"]:
            errors["help_needed"] = [
                _("A co-sell deal asks Microsoft for help: keep at least one kind of help.")
            ]
        if errors:
            raise ValidationFailed(errors)
        turns_co_sell = (
            opportunity.deal_type == DealType.PARTNER_LED and "help_needed" in changed
        ) and bool(merged["help_needed"])
        if solutions is not None:
            cleaned = _clean_solutions(
                opportunity.partner, solutions, category=opportunity.category
            )
            before = sorted(str(s) for s in opportunity.solutions.all())
            if sorted(str(s) for s in cleaned) != before:
                opportunity.solutions.all().delete()
                for solution in cleaned:
                    solution.opportunity = opportunity
                OpportunitySolution.objects.bulk_create(cleaned)
                changed.append("solutions")
        if not changed:
            return opportunity
        opportunity.customer_name_normalized = normalize_customer_name(opportunity.customer_name)
        opportunity.full_clean(exclude=["partner", "created_by"])
        opportunity.version += 1
        opportunity.updated_at = now
        fields = [f for f in changed if f != "solutions"]
        if turns_co_sell:
            opportunity.deal_type = DealType.CO_SELL
            fields.append("deal_type")
        opportunity.save(
            update_fields=[*fields, "customer_name_normalized", "version", "updated_at"]
        )
        audit.record(opportunity, "updated", actor=actor, at=now, extra={"fields": sorted(changed)})
        if turns_co_sell:
            ask_microsoft_for_help(opportunity, actor=actor, now=now)
        events.emit_opportunity("opportunity.updated", opportunity, at=now, changed=changed)
    return opportunity


def opportunity_invite(
    *,
    opportunity_id: int,
    actor,
    now: datetime,
    partner_id=None,
    invite_microsoft: bool = False,
    expected_version: int | None = None,
) -> Lead:
    """Invite another partner, or Microsoft (``invite_microsoft``), to an active
    partner-to-partner deal: a lead to that partner, or to Microsoft through the same service
    as at creation (``deal_types.invite_microsoft``). Inviting a party that already has an open
    or accepted lead returns that lead."""
    if bool(invite_microsoft) == (partner_id not in (None, "")):
        raise ValidationFailed({"partner_id": [_("Invite one partner, or Microsoft.")]})
    invitee = None if invite_microsoft else partner_or_error(partner_id)
    with transaction.atomic():
        opportunity = _lock(opportunity_id)
        require_owner_side(actor, opportunity)
        _check_version(opportunity, expected_version)
        existing = opportunity.leads.filter(
            status__in=(Lead.Status.RECEIVED, Lead.Status.ACCEPTED),
            **(
                {"receiver": Lead.Receiver.MICROSOFT}
                if invitee is None
                else {"receiver_partner": invitee}
            ),
        ).first()
        if existing is not None:
            return existing
        require_active(opportunity, to="invited")
        if opportunity.category != Category.P2P:
            raise Conflict(
                _("Only partner-to-partner deals invite partners; upgrade a private deal first.")
            )
        if invitee is None:
            lead = deal_types.invite_microsoft(opportunity, actor=actor, now=now)
            extra: dict[str, bool | int] = {"microsoft": True}
        else:
            if invitee.pk == opportunity.partner_id:
                raise ValidationFailed({"partner_id": [_("You cannot invite yourselves.")]})
            [lead] = _share(opportunity, actor=actor, now=now, invitees=[invitee])
            extra = {"partner_id": invitee.pk}
        audit.record(opportunity, "invited", actor=actor, at=now, extra=extra)
        events.emit_opportunity("opportunity.updated", opportunity, at=now, changed=["invited"])
    return lead


def opportunity_upgrade(
    *,
    opportunity_id: int,
    category: str,
    actor,
    now: datetime,
    partner_ids: Iterable = (),
    assessment_type: str = "",
    expected_version: int | None = None,
) -> Opportunity:
    """Turn an active private deal into another category and send the leads it implies.
    Upgrading to the category it already has returns it unchanged."""
    with transaction.atomic():
        opportunity = _lock(opportunity_id)
        require_owner_side(actor, opportunity)
        _check_version(opportunity, expected_version)
        if opportunity.category == category and category != Category.PRIVATE:
            return opportunity
        require_active(opportunity, to=category)
        if opportunity.category != Category.PRIVATE:
            raise Conflict(_("Only private deals can be upgraded to another category."))
        if category == Category.PRIVATE:
            raise ValidationFailed({"category": [_("Choose a category other than private.")]})
        if assessment_type:
            opportunity.assessment_type = assessment_type
        fields = {f: getattr(opportunity, f) for f in EDITABLE_FIELDS}
        fields["customer_country"] = (
            cast(Country, opportunity.customer_country).code if opportunity.customer_country else ""
        )
        errors = _category_errors(opportunity.partner, category, fields)
        if partner_ids and category != Category.P2P:
            errors["partner_ids"] = [_("Only partner-to-partner deals invite partners.")]
        if errors:
            raise ValidationFailed(errors)
        invitees = _invitees(opportunity.partner, partner_ids)
        opportunity.category = category
        # Upgraded to co-sell with Microsoft: co-sell if it asks help, else partner-led (shared
        # for visibility: choosing the upgrade is the answer to "may sellers view it").
        _category, opportunity.deal_type = deal_type_for(category, opportunity.help_needed, True)
        if category == Category.SOLUTION_ASSESSMENT:
            opportunity.solutions.all().delete()  # an assessment carries only its assessment
        opportunity.version += 1
        opportunity.updated_at = now
        opportunity.save(
            update_fields=["category", "deal_type", "assessment_type", "version", "updated_at"]
        )
        audit.record(
            opportunity, "upgraded", frm=Category.PRIVATE, to=category, actor=actor, at=now
        )
        _share(opportunity, actor=actor, now=now, invitees=invitees)
        events.emit_opportunity("opportunity.updated", opportunity, at=now, changed=["category"])
    return opportunity


def opportunity_set_stage(
    *,
    opportunity_id: int,
    stage: str,
    actor,
    now: datetime,
    expected_version: int | None = None,
) -> Opportunity:
    """Move the sales stage. Won only by closing; solution assessments move one stage at a time,
    forward."""
    if stage not in Stage.values:
        raise ValidationFailed({"stage": [_("Choose one of: %s.") % ", ".join(Stage.values)]})
    if stage == Stage.WON:
        raise ValidationFailed({"stage": [_("Close the opportunity as won instead.")]})
    with transaction.atomic():
        opportunity = _lock(opportunity_id)
        require_owner_side(actor, opportunity)
        _check_version(opportunity, expected_version)
        if opportunity.stage == stage and not opportunity.is_terminal:
            return opportunity
        require_active(opportunity, to=stage)
        old = opportunity.stage
        if opportunity.category == Category.SOLUTION_ASSESSMENT and not _is_next_stage(old, stage):
            raise InvalidTransition(
                opportunity,
                to=stage,
                message=_(
                    "A solution assessment passes each stage in order: after “%(old)s” "
                    "comes “%(next)s”."
                )
                % {"old": Stage(old).label, "next": Stage(_next_stage(old)).label},
                current_stage=old,
            )
        opportunity.stage = stage
        opportunity.version += 1
        opportunity.updated_at = now
        opportunity.save(update_fields=["stage", "version", "updated_at"])
        audit.record(opportunity, "stage_changed", frm=old, to=stage, actor=actor, at=now)
        events.emit_opportunity("opportunity.updated", opportunity, at=now, changed=["stage"])
    return opportunity


def _next_stage(stage: str) -> str:
    # Created and accepted are one rung (both 10%): qualified comes after either.
    if stage in (Stage.CREATED, Stage.ACCEPTED):
        return Stage.QUALIFIED
    return STAGE_ORDER[min(STAGE_ORDER.index(stage) + 1, len(STAGE_ORDER) - 1)]


def _is_next_stage(old: str, new: str) -> bool:
    return new == _next_stage(old) or (old == Stage.CREATED and new == Stage.ACCEPTED)


def opportunity_close(
    *,
    opportunity_id: int,
    outcome: str,
    reason: str = "",
    notes: str = "",
    actor,
    now: datetime,
    expected_version: int | None = None,
) -> Opportunity:
    """Close as won, lost or error; open leads of the deal are withdrawn and their receivers
    mailed, as ``lead_withdraw`` does. A lead already past its expiry is left to the expiry job
    (the rule every lead service shares). Closing again with the same outcome returns it
    unchanged; any other write to a closed deal raises InvalidTransition.

    Races: the opportunity, then its leads (the lock order of ``services``); an accept or a
    decline of one of its leads either finished first (the lead is no longer open) or waits and
    then finds it withdrawn.
    """
    statuses = Opportunity.Status
    if outcome not in (statuses.WON, statuses.LOST, statuses.ERROR):
        raise ValidationFailed({"outcome": [_("Choose won, lost or error.")]})
    if outcome == statuses.LOST and reason not in LostReason.values:
        raise ValidationFailed({"reason": [_("Choose one of: %s.") % ", ".join(LostReason.values)]})
    if outcome == statuses.ERROR and reason not in ErrorReason.values:
        raise ValidationFailed(
            {"reason": [_("Choose one of: %s.") % ", ".join(ErrorReason.values)]}
        )
    if outcome == statuses.WON:
        reason = ""
    with transaction.atomic():
        opportunity = _lock(opportunity_id)
        require_owner_side(actor, opportunity)
        _check_version(opportunity, expected_version)
        if opportunity.status == outcome:
            return opportunity
        require_active(opportunity, to=outcome)
        if (
            outcome == statuses.WON
            and opportunity.category == Category.SOLUTION_ASSESSMENT
            and opportunity.stage != Stage.NEGOTIATED
        ):
            raise InvalidTransition(
                opportunity,
                to=outcome,
                message=_(
                    "A solution assessment passes every stage up to negotiated before it is won."
                ),
                current_stage=opportunity.stage,
            )
        opportunity.status = outcome
        if outcome == statuses.WON:
            opportunity.stage = Stage.WON
        opportunity.close_reason, opportunity.close_notes = reason, notes or ""
        opportunity.closed_at = now
        opportunity.version += 1
        opportunity.updated_at = now
        opportunity.save(
            update_fields=[
                "status",
                "stage",
                "close_reason",
                "close_notes",
                "closed_at",
                "version",
                "updated_at",
            ]
        )
        audit.record(
            opportunity,
            "closed",
            frm=statuses.ACTIVE,
            to=outcome,
            actor=actor,
            at=now,
            reason=reason,
        )
        # Partners whose invitation is withdrawn below still hear how the deal ended.
        events.emit_opportunity("opportunity.closed", opportunity, at=now)
        open_leads = list(
            opportunity.leads.select_for_update()
            .filter(status=Lead.Status.RECEIVED)
            .exclude(Lead.due_to_expire(now))
            .order_by("pk")
        )
        if open_leads:
            Lead.objects.filter(pk__in=[lead.pk for lead in open_leads]).update(
                status=Lead.Status.WITHDRAWN, answered_at=now
            )
            for lead in open_leads:
                lead.status, lead.answered_at, lead.opportunity = (
                    Lead.Status.WITHDRAWN,
                    now,
                    opportunity,
                )
            events.emit_leads("lead.withdrawn", open_leads, at=now)
            audit.bulk_record(
                audit.build(
                    lead,
                    "withdrawn",
                    frm=Lead.Status.RECEIVED,
                    to=Lead.Status.WITHDRAWN,
                    actor=actor,
                    at=now,
                    reason="opportunity_closed",
                )
                for lead in open_leads
            )
            effects.queue_many(
                tasks.lead_notify_receiver, ((lead.pk, "withdrawn") for lead in open_leads)
            )
    return opportunity


def opportunity_team_add(
    *, opportunity_id: int, user, actor, now: datetime, expected_version: int | None = None
) -> TeamMember:
    """Put one of the partner's people on the deal's team."""
    with transaction.atomic():
        opportunity = _lock(opportunity_id)
        require_owner_side(actor, opportunity)
        _check_version(opportunity, expected_version)
        require_active(opportunity, to="team_changed")
        membership = user.membership_or_none
        if membership is None or membership.partner_id != opportunity.partner_id:
            raise ValidationFailed({"user": [_("Only your own people join the team here.")]})
        if opportunity.team.filter(user=user).exists():
            return opportunity.team.get(user=user)
        member = team_add(opportunity=opportunity, user=user, role=TeamMember.Role.MEMBER, now=now)
        audit.record(opportunity, "team_added", actor=actor, at=now, extra={"user_id": user.pk})
    return member


def value_or_none(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)
