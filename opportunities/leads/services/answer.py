"""Answering leads: accept, decline, withdraw, reassign."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit, effects
from cosell.core.errors import InvalidTransition, ValidationFailed
from cosell.partners.models import Seller
from opportunities import events, tasks
from opportunities.deals.choices import Category, LostReason, Stage
from opportunities.deals.models import (
    Opportunity,
    OpportunitySolution,
    TeamMember,
    normalize_customer_name,
)
from opportunities.deals.services.common import team_add
from opportunities.leads.models import Lead
from opportunities.leads.services.send import expired_transition
from opportunities.rules import is_receiver, is_sender


def _lock(lead_id: int) -> Lead:
    # No select_related: after waiting for the lock, PostgreSQL re-checks the locked row only,
    # so joined rows could describe the state before the change we waited for.
    return Lead.objects.select_for_update().get(pk=lead_id)


def _lock_with_opportunity(lead_id: int) -> Lead:
    """Lock the lead's opportunity, then the lead (the lock order of ``services``), for a
    service that may change both. A lead's opportunity never changes once set; one without
    gets one only when it is accepted, under the lead's lock, after which nothing here
    touches the opportunity."""
    opportunity_id = Lead.objects.values_list("opportunity_id", flat=True).get(pk=lead_id)
    if opportunity_id is not None:
        list(Opportunity.objects.select_for_update().filter(pk=opportunity_id).values("pk"))
    return _lock(lead_id)


def _nothing_to_answer(lead: Lead, to: str) -> InvalidTransition:
    return InvalidTransition(
        lead,
        to=to,
        message=_(
            "This partner-led deal is shared with Microsoft for visibility: there is nothing to "
            "accept or decline."
        ),
    )


def lead_accept(
    *,
    lead_id: int,
    actor,
    now: datetime,
    value: Decimal | None = None,
    currency: str = "",
    close_date: date | None = None,
    notes: str = "",
) -> Lead:
    """Accept a received lead: the accepter joins the opportunity's team, and fills in the deal
    value, close date and notes where they are missing. A lead from a seller or the marketplace
    becomes the receiving partner's opportunity.

    Races: the row lock serialises two accepts (the second sees who took it: 409) and an accept
    against the expiry job (which skips or waits for locked rows and re-checks the status).
    The opportunity is locked before the lead, as ``opportunity_close`` does, so an accept and
    a close of the deal serialise instead of deadlocking (after a close: 409, withdrawn).
    Accepting a lead one has accepted already returns it unchanged.
    """
    with transaction.atomic():
        lead = _lock_with_opportunity(lead_id)
        if lead.status == Lead.Status.ACCEPTED:
            if lead.answered_by_id == actor.pk:
                return lead
            raise InvalidTransition(
                lead,
                to=Lead.Status.ACCEPTED,
                message=_("%(name)s already accepted this lead.") % {"name": lead.answered_by},
                accepted_by=str(lead.answered_by or ""),
            )
        if not is_receiver(actor, lead):
            raise PermissionDenied(_("Only the receiver of a lead can accept it."))
        if lead.status != Lead.Status.RECEIVED:
            raise InvalidTransition(lead, to=Lead.Status.ACCEPTED)
        if lead.is_for_visibility:
            raise _nothing_to_answer(lead, Lead.Status.ACCEPTED)
        if lead.is_due_to_expire(now):
            raise expired_transition(lead, Lead.Status.ACCEPTED)
        seller = actor.seller_or_none
        if lead.receiver == Lead.Receiver.MICROSOFT and lead.receiver_seller_id is None:
            lead.receiver_seller, lead.taken_from_queue = seller, True
        lead.status, lead.answered_at, lead.answered_by = Lead.Status.ACCEPTED, now, actor
        if lead.opportunity is None:
            lead.opportunity = _opportunity_from_lead(
                lead,
                actor=actor,
                now=now,
                value=value,
                currency=currency,
                close_date=close_date,
                notes=notes,
            )
        else:
            _fill_missing(
                lead.opportunity,
                actor=actor,
                now=now,
                value=value,
                currency=currency,
                close_date=close_date,
                notes=notes,
            )
            team_add(
                opportunity=lead.opportunity,
                user=actor,
                role=TeamMember.Role.SELLER if seller is not None else TeamMember.Role.PARTNER,
                now=now,
            )
        lead.save(
            update_fields=[
                "status",
                "answered_at",
                "answered_by",
                "receiver_seller",
                "taken_from_queue",
                "opportunity",
            ]
        )
        audit.record(
            lead, "accepted", frm=Lead.Status.RECEIVED, to=lead.status, actor=actor, at=now
        )
        events.emit_lead("lead.accepted", lead, at=now)
        effects.queue(tasks.lead_notify_sender, lead.pk, "accepted")
    return lead


def _fill_missing(opportunity: Opportunity, *, actor, now, value, currency, close_date, notes):
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    changed = []
    if opportunity.value is None and value is not None:
        opportunity.value = value
        changed.append("value")
        if currency:
            opportunity.currency = currency
            changed.append("currency")
    if opportunity.close_date is None and close_date is not None:
        opportunity.close_date = close_date
        changed.append("close_date")
    if not opportunity.notes and notes:
        opportunity.notes = notes
        changed.append("notes")
    if opportunity.is_terminal:
        return
    if opportunity.stage == Stage.CREATED:
        opportunity.stage = Stage.ACCEPTED
        changed.append("stage")
    if changed:
        opportunity.version += 1
        opportunity.updated_at = now
        opportunity.save(update_fields=[*changed, "version", "updated_at"])
        audit.record(opportunity, "lead_accepted", actor=actor, at=now, extra={"fields": changed})
        events.emit_opportunity("opportunity.updated", opportunity, at=now, changed=changed)


def _opportunity_from_lead(lead: Lead, *, actor, now, value, currency, close_date, notes):
    """The receiving partner's opportunity for a lead from a seller (co-sell with Microsoft) or
    from the marketplace (the partner's own deal until it shares it)."""
    category = Category.MICROSOFT if lead.source == Lead.Source.SELLER else Category.PRIVATE
    assert lead.receiver_partner_id is not None  # a lead without a deal always goes to a partner
    opportunity = Opportunity.objects.create(
        partner_id=lead.receiver_partner_id,
        category=category,
        stage=Stage.ACCEPTED,
        name=(lead.title or lead.customer_name)[:200],
        customer_name=lead.customer_name,
        customer_name_normalized=normalize_customer_name(lead.customer_name),
        customer_country=lead.customer_country,
        contact_consent=lead.contact_consent,
        contact_name=lead.contact_name,
        contact_email=lead.contact_email,
        contact_phone=lead.contact_phone,
        value=lead.value if lead.value is not None else value,
        currency=lead.currency or currency or "USD",
        close_date=lead.close_date or close_date,
        notes=lead.notes or notes,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    if lead.offer_id:
        OpportunitySolution.objects.create(
            opportunity=opportunity, kind=OpportunitySolution.Kind.OFFER, offer_id=lead.offer_id
        )
    else:
        OpportunitySolution.objects.create(
            opportunity=opportunity,
            kind=OpportunitySolution.Kind.MICROSOFT,
            name=lead.title or _("Microsoft referral"),
        )
    team_add(opportunity=opportunity, user=actor, role=TeamMember.Role.OWNER, now=now)
    if lead.source == Lead.Source.SELLER and lead.sender_user_id:
        team_add(
            opportunity=opportunity,
            user=lead.sender_user,
            role=TeamMember.Role.SELLER,
            now=now,
        )
    audit.record(
        opportunity,
        "created",
        to=Opportunity.Status.ACTIVE,
        actor=actor,
        at=now,
        extra={"category": category, "from_lead": lead.pk},
    )
    events.emit_opportunity("opportunity.created", opportunity, at=now)
    return opportunity


def lead_decline(*, lead_id: int, actor, reason: str, notes: str, now: datetime) -> Lead:
    """Decline a received lead, with a reason code and notes (both required)."""
    errors = {}
    if reason not in LostReason.values:
        errors["reason"] = [_("Choose one of: %s.") % ", ".join(LostReason.values)]
    if not (notes or "").strip():
        errors["notes"] = [_("Say why you decline.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        lead = _lock(lead_id)
        if not is_receiver(actor, lead) and lead.answered_by_id != actor.pk:
            raise PermissionDenied(_("Only the receiver of a lead can decline it."))
        if lead.status == Lead.Status.DECLINED:
            return lead
        if lead.status != Lead.Status.RECEIVED:
            raise InvalidTransition(lead, to=Lead.Status.DECLINED)
        if lead.is_for_visibility:
            raise _nothing_to_answer(lead, Lead.Status.DECLINED)
        if lead.is_due_to_expire(now):
            raise expired_transition(lead, Lead.Status.DECLINED)
        lead.status, lead.answered_at, lead.answered_by = Lead.Status.DECLINED, now, actor
        lead.decline_reason, lead.decline_notes = reason, notes.strip()
        lead.save(
            update_fields=[
                "status",
                "answered_at",
                "answered_by",
                "decline_reason",
                "decline_notes",
            ]
        )
        audit.record(
            lead,
            "declined",
            frm=Lead.Status.RECEIVED,
            to=Lead.Status.DECLINED,
            actor=actor,
            at=now,
            reason=reason,
            extra={"notes": lead.decline_notes},
        )
        events.emit_lead("lead.declined", lead, at=now)
        effects.queue(tasks.lead_notify_sender, lead.pk, "declined")
    return lead


def lead_withdraw(*, lead_id: int, actor, now: datetime) -> Lead:
    """The sender takes back a lead nobody has answered yet."""
    with transaction.atomic():
        lead = _lock(lead_id)
        if not is_sender(actor, lead):
            raise PermissionDenied(_("Only the sender of a lead can withdraw it."))
        if lead.status == Lead.Status.WITHDRAWN:
            return lead
        if lead.status != Lead.Status.RECEIVED:
            raise InvalidTransition(lead, to=Lead.Status.WITHDRAWN)
        if lead.is_due_to_expire(now):
            raise expired_transition(lead, Lead.Status.WITHDRAWN)
        lead.status, lead.answered_at = Lead.Status.WITHDRAWN, now
        lead.save(update_fields=["status", "answered_at"])
        audit.record(
            lead, "withdrawn", frm=Lead.Status.RECEIVED, to=lead.status, actor=actor, at=now
        )
        events.emit_lead("lead.withdrawn", lead, at=now)
        effects.queue(tasks.lead_notify_receiver, lead.pk, "withdrawn")
    return lead


def lead_reassign(*, lead_id: int, seller_id: int, actor, now: datetime) -> Lead:
    """Route a received lead to Microsoft to another seller (admins)."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators reassign leads."))
    try:
        seller = Seller.objects.select_related("user").get(pk=seller_id, user__is_active=True)
    except (Seller.DoesNotExist, ValueError, TypeError):
        raise ValidationFailed({"seller_id": [_("No active seller with this id.")]}) from None
    with transaction.atomic():
        lead = _lock(lead_id)
        if lead.receiver != Lead.Receiver.MICROSOFT:
            raise ValidationFailed({"lead": [_("Only leads to Microsoft go to a seller.")]})
        if lead.status == Lead.Status.RECEIVED and lead.receiver_seller_id == seller.pk:
            return lead
        if lead.status != Lead.Status.RECEIVED:
            raise InvalidTransition(lead, to="reassigned")
        if lead.is_due_to_expire(now):
            raise expired_transition(lead, "reassigned")
        old = lead.receiver_seller_id
        lead.receiver_seller = seller
        lead.save(update_fields=["receiver_seller"])
        audit.record(
            lead,
            "reassigned",
            actor=actor,
            at=now,
            extra={"from_seller_id": old, "to_seller_id": seller.pk},
        )
        effects.queue(tasks.lead_notify_receiver, lead.pk, "received")
    return lead
