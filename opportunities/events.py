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
from opportunities import consent, rules
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead

# The deal's private fields; who does not see which is decided in ``rules``.
PRIVATE_FIELDS = ("notes", "crm_id", "close_notes", "customer_address")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def opportunity_data(
    opportunity: Opportunity, *, for_partner_id: int, changed: Iterable[str] = ()
) -> dict:
    """The opportunity as ``for_partner_id`` may see it (``rules.withheld_for_partner``)."""
    owner = for_partner_id == opportunity.partner_id
    seen = rules.opportunity_as_seen_by_partner(opportunity, for_partner_id)
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
        "contact": consent.shown(seen),
        "value": None if opportunity.value is None else str(opportunity.value),
        "currency": opportunity.currency,
        "close_date": _iso(opportunity.close_date),
        "close_reason": opportunity.close_reason,
        "closed_at": _iso(opportunity.closed_at),
        "version": opportunity.version,
        "created_at": _iso(opportunity.created_at),
        "updated_at": _iso(opportunity.updated_at),
    }
    for name in PRIVATE_FIELDS:
        if name not in seen.withheld:
            data[name] = getattr(seen, name)
    changed = sorted(set(changed))
    if changed:
        data["changed"] = [name for name in changed if name not in seen.withheld]
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


# What a lead's payload is built from, as ``Lead.objects.values(*LEAD_VALUES)`` gives it: the
# lead's columns and its opportunity's (the customer, contact and title come from the
# opportunity once there is one). Jobs select these; services convert the instance they hold.
_LEAD_COLUMNS = (
    "id", "status", "source", "opportunity_id", "sender_partner_id", "receiver",
    "receiver_partner_id", "title", "call_to_action", "offer_id", "customer_name",
    "customer_country", "contact_consent", "contact_name", "contact_email", "contact_phone",
    "value", "currency", "close_date", "notes", "sent_at", "expires_at", "answered_at",
    "decline_reason", "decline_notes",
)  # fmt: skip
_SOURCE_COLUMNS = (
    "name", "customer_name", "customer_country", "contact_consent", "contact_name",
    "contact_email", "contact_phone",
)  # fmt: skip
LEAD_VALUES = _LEAD_COLUMNS + tuple(f"opportunity__{name}" for name in _SOURCE_COLUMNS)


def _code(country) -> str:
    """A country code from a ``CountryField`` value (a ``Country``) or a ``values()`` row."""
    return (getattr(country, "code", country) or "") if country else ""


def _hides_contact(status: str) -> bool:
    return rules.contact_hidden_from_receiver(status)


def lead_values(lead: Lead) -> dict:
    """``LEAD_VALUES`` of a lead in memory (its status may be newer than the database's)."""
    values = {name: getattr(lead, name) for name in _LEAD_COLUMNS}
    opportunity = lead.opportunity if lead.opportunity_id else None
    for name in _SOURCE_COLUMNS:
        values[f"opportunity__{name}"] = getattr(opportunity, name) if opportunity else None
    return values


def _lead_views(values: dict) -> dict[int, dict]:
    """The lead (``LEAD_VALUES``) as its sending and its receiving partner may each see it."""
    source = "opportunity__" if values["opportunity_id"] is not None else ""
    contact = consent.shown_in(values, source)
    value = values["value"]
    base = {
        "id": values["id"],
        "status": values["status"],
        "source": values["source"],
        "direction": "outgoing",
        "opportunity_id": values["opportunity_id"],
        "sender_partner_id": values["sender_partner_id"],
        "receiver": values["receiver"],
        "receiver_partner_id": values["receiver_partner_id"],
        "title": values["title"] or (values["opportunity__name"] if source else "") or "",
        "call_to_action": values["call_to_action"],
        "offer_id": values["offer_id"],
        "customer": {
            "name": values[f"{source}customer_name"],
            "country": _code(values[f"{source}customer_country"]),
        },
        "contact": contact,
        "value": None if value is None else str(value),
        "currency": values["currency"],
        "close_date": _iso(values["close_date"]),
        "notes": values["notes"],
        "sent_at": _iso(values["sent_at"]),
        "expires_at": _iso(values["expires_at"]),
        "answered_at": _iso(values["answered_at"]),
        "decline_reason": values["decline_reason"],
        "decline_notes": values["decline_notes"],
    }
    views = {}
    sender, receiver = values["sender_partner_id"], values["receiver_partner_id"]
    if sender is not None and sender != receiver:
        views[sender] = base
    if receiver is not None:
        views[receiver] = {
            **base,
            "direction": "incoming",
            "contact": None if _hides_contact(values["status"]) else contact,
        }
    return views


def lead_recipients(lead: Lead) -> dict[int, dict]:
    """The sending partner and the receiving partner, each with its own view."""
    return _lead_views(lead_values(lead))


def emit_lead(event_type: str, lead: Lead, *, at: datetime) -> None:
    recipients = lead_recipients(lead)
    if recipients:
        outbox.emit(event_type=event_type, subject=lead, recipients=recipients, at=at)


def emit_leads(event_type: str, leads: Iterable[Lead], *, at: datetime) -> None:
    """For set-based jobs: one bulk insert for the whole batch."""
    emit_lead_values(event_type, (lead_values(lead) for lead in leads), at=at)


def emit_lead_values(event_type: str, rows: Iterable[dict], *, at: datetime) -> int:
    """For set-based jobs that select ``LEAD_VALUES``: one bulk insert for the whole batch."""
    return outbox.emit_rows(
        event_type=event_type,
        subject_model=Lead,
        items=((values["id"], views) for values in rows if (views := _lead_views(values))),
        at=at,
    )
