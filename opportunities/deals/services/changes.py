"""Changing a deal: its fields, invitations, category, stage and closing."""

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from django.db import transaction
from django.utils.translation import gettext as _
from django_countries.fields import Country

from cosell.core import audit, effects
from cosell.core.errors import Conflict, InvalidTransition, PreconditionFailed, ValidationFailed
from opportunities import consent, events, tasks
from opportunities.deals.choices import (
    STAGE_ORDER,
    Category,
    DealType,
    ErrorReason,
    LostReason,
    Stage,
)
from opportunities.deals.models import (
    Opportunity,
    OpportunitySolution,
    TeamMember,
    normalize_customer_name,
)
from opportunities.deals.services import sharing
from opportunities.deals.services.common import (
    EDITABLE_FIELDS,
    category_errors,
    clean_solutions,
    invitees_of,
    partner_or_error,
    require_active,
    team_add,
)
from opportunities.deals.services.sharing import (
    ask_microsoft_for_help,
    deal_type_for,
    share,
)
from opportunities.leads.models import Lead
from opportunities.rules import require_owner_side


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
        consent.withdraw(changes)
        changed = [f for f in changes if getattr(opportunity, f) != changes[f]]
        for field in changed:
            setattr(opportunity, field, changes[field])
        merged = {f: getattr(opportunity, f) for f in EDITABLE_FIELDS}
        errors: dict[str, list[str]] = {}
        consent.require(merged, errors)
        rule_errors = category_errors(opportunity.partner, opportunity.category, merged)
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
            cleaned = clean_solutions(opportunity.partner, solutions, category=opportunity.category)
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
    as at creation (``sharing.invite_microsoft``). Inviting a party that already has an open
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
            lead = sharing.invite_microsoft(opportunity, actor=actor, now=now)
            extra: dict[str, bool | int] = {"microsoft": True}
        else:
            if invitee.pk == opportunity.partner_id:
                raise ValidationFailed({"partner_id": [_("You cannot invite yourselves.")]})
            [lead] = share(opportunity, actor=actor, now=now, invitees=[invitee])
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
        errors = category_errors(opportunity.partner, category, fields)
        if partner_ids and category != Category.P2P:
            errors["partner_ids"] = [_("Only partner-to-partner deals invite partners.")]
        if errors:
            raise ValidationFailed(errors)
        invitees = invitees_of(opportunity.partner, partner_ids)
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
        share(opportunity, actor=actor, now=now, invitees=invitees)
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
