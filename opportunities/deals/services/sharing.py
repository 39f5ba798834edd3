"""Who a deal is shared with: the deal type of a ``microsoft`` deal (co-sell or partner-led,
decided by Partner Center's two questions) and the lead to Microsoft each one sends, and the
leads to the partners a partner-to-partner deal invites."""

from collections.abc import Iterable
from datetime import datetime

from django.utils.translation import gettext as _

from cosell.core import audit, effects
from cosell.partners.models import Partner
from opportunities import tasks
from opportunities.deals.choices import CO_SELL_CATEGORIES, Category, DealType
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from opportunities.leads.services.send import lead_expiry, send_lead


def deal_type_for(category: str, help_needed, share_with_microsoft: bool) -> tuple[str, str]:
    """(category, deal type) from Partner Center's two questions. A ``microsoft`` deal that
    asks for help is co-sell; without help but shared with Microsoft sellers it is
    partner-led; with neither it is a private deal."""
    if category != Category.MICROSOFT:
        return category, ""
    if help_needed:
        return category, DealType.CO_SELL
    if share_with_microsoft:
        return category, DealType.PARTNER_LED
    return Category.PRIVATE, ""


def deal_type_errors(category: str, deal_type: str, help_needed) -> dict[str, list[str]]:
    if not deal_type:
        return {}
    if category != Category.MICROSOFT:
        return {"deal_type": [_("Only co-sell with Microsoft deals have a deal type.")]}
    if deal_type == DealType.CO_SELL and not help_needed:
        return {"help_needed": [_("A co-sell deal asks Microsoft for some help: choose it.")]}
    if deal_type == DealType.PARTNER_LED and help_needed:
        return {
            "deal_type": [_("A deal that asks Microsoft for help is co-sell, not partner-led.")]
        }
    return {}


def microsoft_lead(opportunity: Opportunity, *, actor, now: datetime) -> Lead:
    """The lead to Microsoft: a co-sell request sellers answer within the expiry window, or a
    partner-led deal shared for visibility (nothing to answer, never expires)."""
    for_visibility = opportunity.deal_type == DealType.PARTNER_LED
    return send_lead(
        opportunity=opportunity,
        actor=actor,
        now=now,
        source=Lead.Source.PARTNER,
        sender_partner=opportunity.partner,
        needs_answer=not for_visibility,
        **({"expires_at": None} if for_visibility else {}),
    )


def invite_microsoft(opportunity: Opportunity, *, actor, now: datetime) -> Lead:
    """Microsoft invited to a P2P deal, at its creation or later on: a lead to Microsoft
    (routed to the covering seller, else the shared queue) that sellers answer within the
    expiry window. Microsoft already holding an open or accepted lead: that lead, unchanged.
    Inside the caller's transaction, the opportunity locked."""
    existing = (
        opportunity.leads.filter(
            receiver=Lead.Receiver.MICROSOFT,
            status__in=(Lead.Status.RECEIVED, Lead.Status.ACCEPTED),
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    return microsoft_lead(opportunity, actor=actor, now=now)


def ask_microsoft_for_help(opportunity: Opportunity, *, actor, now: datetime) -> Lead:
    """A partner-led deal asks for help and turns co-sell: its visibility lead to Microsoft
    becomes a request sellers answer within the expiry window (a new lead if none is open)."""
    audit.record(
        opportunity,
        "deal_type_changed",
        frm=DealType.PARTNER_LED,
        to=DealType.CO_SELL,
        actor=actor,
        at=now,
    )
    lead = (
        opportunity.leads.select_for_update()
        .filter(receiver=Lead.Receiver.MICROSOFT, status=Lead.Status.RECEIVED, needs_answer=False)
        .first()
    )
    if lead is None:
        return microsoft_lead(opportunity, actor=actor, now=now)
    lead.needs_answer, lead.expires_at = True, lead_expiry(now)
    lead.save(update_fields=["needs_answer", "expires_at"])
    audit.record(lead, "help_requested", actor=actor, at=now)
    effects.queue(tasks.lead_notify_receiver, lead.pk, "received")
    return lead


def share(
    opportunity: Opportunity,
    *,
    actor,
    now: datetime,
    invitees: Iterable[Partner] = (),
    with_microsoft: bool = False,
) -> list[Lead]:
    """The leads a category implies: to Microsoft, or to each invited partner (and to
    Microsoft too when a P2P deal invites it)."""
    if opportunity.category in CO_SELL_CATEGORIES:
        return [microsoft_lead(opportunity, actor=actor, now=now)]
    leads = [invite_microsoft(opportunity, actor=actor, now=now)] if with_microsoft else []
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
