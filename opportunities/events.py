"""Webhook payloads about opportunities and leads, built per recipient partner.

Each partner concerned gets its own outbox row with only what it may see (see selectors.py):

- the owner of an opportunity sees all of it; a partner invited to a partner-to-partner deal
  (lead received or accepted) sees the deal without the owner's notes, CRM id and close notes,
  and the customer contact only when the customer consented to share it;
- a private deal's events go to its owner only;
- a lead's events go to the sending partner and to the receiving partner (a lead to Microsoft:
  the sender only); an expired or declined lead hides the customer contact from its receiver.

Plain dicts of ids, codes, names and ISO timestamps; the services emit them inside their own
transaction (``cosell.webhooks.outbox``).
"""

from collections.abc import Iterable
from datetime import datetime

from cosell.webhooks import outbox

from .models import Category, Lead, Opportunity

OWNER_ONLY_FIELDS = frozenset({"notes", "crm_id", "close_notes", "customer_address"})


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _contact(source) -> dict | None:
    if not source.contact_consent:
        return None
    return {
        "name": source.contact_name,
        "email": source.contact_email,
        "phone": source.contact_phone,
    }


def opportunity_data(
    opportunity: Opportunity, *, for_partner_id: int, changed: Iterable[str] = ()
) -> dict:
    """The opportunity as ``for_partner_id`` may see it."""
    owner = for_partner_id == opportunity.partner_id
    data = {
        "id": opportunity.pk,
        "name": opportunity.name,
        "category": opportunity.category,
        "status": opportunity.status,
        "stage": opportunity.stage,
        "progress": opportunity.progress,
        "partner_id": opportunity.partner_id,
        "role": "owner" if owner else "invited",
        "customer": {
            "name": opportunity.customer_name,
            "country": opportunity.customer_country.code if opportunity.customer_country else "",
        },
        "contact": _contact(opportunity),
        "value": None if opportunity.value is None else str(opportunity.value),
        "currency": opportunity.currency,
        "close_date": _iso(opportunity.close_date),
        "close_reason": opportunity.close_reason,
        "closed_at": _iso(opportunity.closed_at),
        "version": opportunity.version,
        "created_at": _iso(opportunity.created_at),
        "updated_at": _iso(opportunity.updated_at),
    }
    if owner:
        data.update(
            notes=opportunity.notes,
            crm_id=opportunity.crm_id,
            close_notes=opportunity.close_notes,
            customer_address=opportunity.customer_address,
        )
    changed = sorted(set(changed))
    if changed:
        data["changed"] = changed if owner else [f for f in changed if f not in OWNER_ONLY_FIELDS]
    return data


def opportunity_partner_ids(
    opportunity: Opportunity, invitee_ids: Iterable[int] | None = None
) -> list[int]:
    """The owner, then each partner invited to a shared deal whose lead is open or accepted."""
    ids = [opportunity.partner_id]
    if opportunity.category == Category.PRIVATE:
        return ids
    if invitee_ids is None:
        invitee_ids = opportunity.leads.filter(
            receiver=Lead.Receiver.PARTNER,
            status__in=(Lead.Status.RECEIVED, Lead.Status.ACCEPTED),
        ).values_list("receiver_partner_id", flat=True)
    for partner_id in invitee_ids:
        if partner_id not in ids:
            ids.append(partner_id)
    return ids


def opportunity_recipients(
    opportunity: Opportunity,
    *,
    invitee_ids: Iterable[int] | None = None,
    changed: Iterable[str] = (),
) -> dict[int, dict]:
    changed = list(changed)
    return {
        partner_id: opportunity_data(opportunity, for_partner_id=partner_id, changed=changed)
        for partner_id in opportunity_partner_ids(opportunity, invitee_ids)
    }


def emit_opportunity(
    event_type: str,
    opportunity: Opportunity,
    *,
    at: datetime,
    invitee_ids: Iterable[int] | None = None,
    changed: Iterable[str] = (),
) -> None:
    """Write ``event_type`` about ``opportunity`` for each partner on it. Inside the change's
    transaction."""
    outbox.emit(
        event_type=event_type,
        subject=opportunity,
        recipients=opportunity_recipients(opportunity, invitee_ids=invitee_ids, changed=changed),
        at=at,
    )


def lead_data(lead: Lead, *, for_partner_id: int) -> dict:
    """The lead as ``for_partner_id`` (its sender or its receiver) may see it."""
    incoming = lead.receiver_partner_id == for_partner_id
    source = lead.opportunity if lead.opportunity_id else lead
    hidden = incoming and lead.contact_hidden_from_receiver
    return {
        "id": lead.pk,
        "status": lead.status,
        "source": lead.source,
        "direction": "incoming" if incoming else "outgoing",
        "opportunity_id": lead.opportunity_id,
        "sender_partner_id": lead.sender_partner_id,
        "receiver": lead.receiver,
        "receiver_partner_id": lead.receiver_partner_id,
        "title": lead.title or (lead.opportunity.name if lead.opportunity_id else ""),
        "call_to_action": lead.call_to_action,
        "offer_id": lead.offer_id,
        "customer": lead.customer(),
        "contact": None if hidden else _contact(source),
        "value": None if lead.value is None else str(lead.value),
        "currency": lead.currency,
        "close_date": _iso(lead.close_date),
        "notes": lead.notes,
        "sent_at": _iso(lead.sent_at),
        "expires_at": _iso(lead.expires_at),
        "answered_at": _iso(lead.answered_at),
        "decline_reason": lead.decline_reason,
        "decline_notes": lead.decline_notes,
    }


def lead_recipients(lead: Lead) -> dict[int, dict]:
    """The sending partner and the receiving partner, each with its own view."""
    return {
        partner_id: lead_data(lead, for_partner_id=partner_id)
        for partner_id in (lead.sender_partner_id, lead.receiver_partner_id)
        if partner_id is not None
    }


def emit_lead(event_type: str, lead: Lead, *, at: datetime) -> None:
    recipients = lead_recipients(lead)
    if recipients:
        outbox.emit(event_type=event_type, subject=lead, recipients=recipients, at=at)


def emit_leads(event_type: str, leads: Iterable[Lead], *, at: datetime) -> None:
    """For set-based jobs: one bulk insert for the whole batch."""
    outbox.emit_many(
        event_type=event_type,
        items=((lead, recipients) for lead in leads if (recipients := lead_recipients(lead))),
        at=at,
    )
