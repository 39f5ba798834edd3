"""Who may do and see what with opportunities and leads: decided here, and only here.

Rows: ``selectors`` filter with the same logic (``opportunity_visibility``, ``lead_visibility``).
Actions: the predicates below (services call ``require_owner_side``, ``is_receiver``...).
Fields: ``opportunity_as_seen_by`` and ``lead_as_seen_by`` return an object as one viewer may
see it; the API serializers, the pages, the CSV export, the webhooks and the mail all render
what they return, and nothing else hides fields on its own. (The API's opportunity list,
``api/list_rows.py``, builds its rows from columns: it asks ``withheld_fields`` for each row and
blanks and leaves out what it names, as ``opportunity_as_seen_by``'s copy and the serializer do.)

- The owning partner's people (and staff) see all of an opportunity.
- A partner invited to another partner's deal (either direction of a P2P deal) does not see
  the owner's private fields (``WITHHELD_FROM_INVITED``).
- A Microsoft seller on a co-sell deal sees what the partner shared with Microsoft, but not
  the partner's own CRM id (``WITHHELD_FROM_SELLERS``).
- A partner-led deal is shared with Microsoft for visibility: the seller its lead is routed to,
  and every seller while that lead waits unrouted in the shared queue, may view it, read-only
  (``seller_views_shared_deal``; rows: ``leads_sharing_deal_with_seller``). Nothing to accept,
  so viewing it never puts them on its team.
- The customer contact is shown only with the customer's consent, and the contact of an
  expired or declined lead is hidden from the party that did not accept it.
"""

import copy
import functools

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from cosell.partners.models import Membership
from cosell.partners.rules import is_staff
from opportunities import consent
from opportunities.deals.choices import DealType
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead

# What a partner invited to another partner's deal never sees of it.
WITHHELD_FROM_INVITED = frozenset({"notes", "crm_id", "customer_address", "close_notes"})
# What a Microsoft seller never sees of a partner's deal.
WITHHELD_FROM_SELLERS = frozenset({"crm_id"})


def _membership(user):
    return user.membership_or_none if user is not None and user.is_authenticated else None


# --- actions --------------------------------------------------------------------------------


def on_team(user, opportunity: Opportunity) -> bool:
    """Whether ``user`` is on the deal's team, read from the team the selectors load with the
    deal (one query when it was not loaded)."""
    return any(member.user_id == user.pk for member in opportunity.team.all())


@rules.predicate
def is_owner_side(user, opportunity: Opportunity) -> bool:
    """People of the owning partner who see the deal (admins, or users on its team) and staff
    may change it."""
    if is_staff(user):
        return True
    membership = _membership(user)
    if membership is None or membership.partner_id != opportunity.partner_id:
        return False
    if membership.role == Membership.Role.ADMIN:
        return True
    return on_team(user, opportunity)


def require_owner_side(user, opportunity: Opportunity) -> None:
    if not is_owner_side(user, opportunity):
        raise PermissionDenied(_("Only the partner that owns this opportunity can change it."))


@rules.predicate
def is_receiver(user, lead: Lead) -> bool:
    """Whether ``user`` answers for the lead's receiver: the partner's people, the seller it is
    routed to, or any seller while it waits in the shared queue."""
    if lead.receiver == Lead.Receiver.PARTNER:
        membership = _membership(user)
        return membership is not None and membership.partner_id == lead.receiver_partner_id
    seller = user.seller_or_none if user.is_authenticated else None
    if seller is None:
        return False
    return lead.receiver_seller_id is None or lead.receiver_seller_id == seller.pk


@rules.predicate
def is_sender(user, lead: Lead) -> bool:
    if is_staff(user):
        return True
    if lead.sender_partner_id is not None:
        membership = _membership(user)
        return membership is not None and membership.partner_id == lead.sender_partner_id
    return lead.sender_user_id is not None and lead.sender_user_id == user.pk


def lead_is_incoming(user, lead: Lead) -> bool:
    membership = _membership(user)
    if membership is not None:
        return lead.receiver_partner_id == membership.partner_id
    return (
        user.is_authenticated
        and user.seller_or_none is not None
        and (lead.receiver == Lead.Receiver.MICROSOFT)
    )


@functools.cache
def contact_hidden_from_receiver(status: str) -> bool:
    """Customer contact details of an expired or declined lead are hidden from the receiver
    (the model says which statuses; asked once per status)."""
    return Lead(status=status).contact_hidden_from_receiver


def lead_contact_visible(user, lead: Lead) -> bool:
    return not (contact_hidden_from_receiver(lead.status) and lead_is_incoming(user, lead))


def leads_sharing_deal_with_seller(seller) -> Q:
    """The leads (a filter on ``Lead``) through which ``seller`` views a partner-led deal: the
    lead to Microsoft shared for visibility (nothing to answer), routed to this seller, or
    waiting unrouted in the shared queue (as the queue itself shows leads)."""
    return Q(receiver=Lead.Receiver.MICROSOFT, needs_answer=False) & (
        Q(receiver_seller=seller) | Q(receiver_seller__isnull=True, status=Lead.Status.RECEIVED)
    )


@rules.predicate
def seller_views_shared_deal(user, opportunity: Opportunity) -> bool:
    """A Microsoft seller views a partner-led deal shared with them (read-only)."""
    seller = user.seller_or_none if user is not None and user.is_authenticated else None
    if seller is None or opportunity.deal_type != DealType.PARTNER_LED:
        return False
    return opportunity.leads.filter(leads_sharing_deal_with_seller(seller)).exists()


rules.add_perm("opportunities.record_marketplace_lead", is_staff)
rules.add_perm("opportunities.change_opportunity", is_owner_side)
rules.add_perm("opportunities.answer_lead", is_receiver)
rules.add_perm("opportunities.withdraw_lead", is_sender)
rules.add_perm("opportunities.view_shared_deal", seller_views_shared_deal)


# --- fields ---------------------------------------------------------------------------------


def withheld_for_partner(opportunity: Opportunity, partner_id: int | None) -> frozenset[str]:
    """The fields of ``opportunity`` a partner does not see (webhooks address partners)."""
    if partner_id is not None and partner_id == opportunity.partner_id:
        return frozenset()
    return WITHHELD_FROM_INVITED


def withheld_fields(user, opportunity: Opportunity) -> frozenset[str]:
    """The fields of ``opportunity`` that ``user`` does not see."""
    if user is None:
        return WITHHELD_FROM_INVITED
    if is_staff(user):
        return frozenset()
    membership = _membership(user)
    if membership is not None:
        return withheld_for_partner(opportunity, membership.partner_id)
    if user.is_authenticated and user.seller_or_none is not None:
        return WITHHELD_FROM_SELLERS
    return WITHHELD_FROM_INVITED


def _redacted(opportunity: Opportunity, withheld: frozenset[str]) -> Opportunity:
    seen = copy.copy(opportunity)
    for name in withheld:
        setattr(seen, name, "")
    if consent.shown(seen) is None:
        for name in consent.CONTACT_FIELDS:
            setattr(seen, name, "")
    seen.withheld = withheld
    seen.seen_as_redacted = True
    return seen


def opportunity_as_seen_by(opportunity: Opportunity, user) -> Opportunity:
    """A copy of ``opportunity`` with what ``user`` may not see blanked; ``.withheld`` names
    those fields (serializers and payloads leave them out). Never saved."""
    return _redacted(opportunity, withheld_fields(user, opportunity))


def opportunity_as_seen_by_partner(opportunity: Opportunity, partner_id: int) -> Opportunity:
    return _redacted(opportunity, withheld_for_partner(opportunity, partner_id))


def lead_as_seen_by(lead: Lead, user) -> Lead:
    """A copy of ``lead`` as ``user`` may see it: its opportunity as they may see it, and the
    customer contact only when consented and not hidden from them (expired or declined lead
    and they are its receiver). ``.contact_visible`` says whether the contact was hidden."""
    seen = copy.copy(lead)
    if lead.opportunity is not None:
        seen.opportunity = opportunity_as_seen_by(lead.opportunity, user)
    seen.contact_visible = lead_contact_visible(user, lead)
    seen.direction = "incoming" if lead_is_incoming(user, lead) else "outgoing"
    seen.visible_contact = lead.contact() if seen.contact_visible else None
    return seen
