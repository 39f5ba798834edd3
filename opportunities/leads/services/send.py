"""Sending leads: routing to Microsoft, a seller's lead, a marketplace lead."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django_countries.fields import Country

from cosell.core import audit, effects
from cosell.core.errors import InvalidTransition, ValidationFailed
from cosell.partners.models import Partner, Seller
from offers.models import CO_SELL_READY_STATUSES, Offer
from opportunities import consent, events, tasks
from opportunities.deals.choices import Category
from opportunities.deals.models import (
    Opportunity,
)
from opportunities.deals.services.common import partner_or_error
from opportunities.leads.models import Lead


def lead_expiry(sent_at: datetime) -> datetime:
    return sent_at + timedelta(days=settings.LEAD_EXPIRY_DAYS)


def expired_transition(lead: Lead, to: str) -> InvalidTransition:
    """A received lead past its expiry time answers as expired even before the job has run, so
    a click and the job check the same condition and give one outcome."""
    assert lead.expires_at is not None  # called only once lead.is_due_to_expire(now)
    return InvalidTransition(
        SimpleNamespace(status=Lead.Status.EXPIRED),
        to=to,
        message=_("This lead expired on %(when)s.") % {"when": lead.expires_at.isoformat()},
    )


def route_to_microsoft(*, country: str, solution_areas, assessment: bool = False) -> Seller | None:
    """The seller whose territory covers the customer's country and one of the solution areas
    (the solution assessment team for assessments), the least loaded first; None: the shared
    Microsoft queue."""
    if not country:
        return None
    sellers = (
        Seller.objects.filter(user__is_active=True)
        .annotate(open_leads=Count("leads", filter=Q(leads__status=Lead.Status.RECEIVED)))
        .order_by("open_leads", "id")
    )
    if assessment:
        sellers = sellers.filter(is_sa_team=True)
    for seller in sellers:
        if seller.covers(country, solution_areas):
            return seller
    return None


def opportunity_solution_areas(opportunity: Opportunity) -> set[str]:
    areas: set[str] = set()
    for solution in opportunity.solutions.select_related("offer"):
        if solution.offer is not None:
            areas.update(solution.offer.solution_areas or [])
    return areas


def send_lead(
    *,
    opportunity: Opportunity | None,
    actor,
    now: datetime,
    receiver_partner: Partner | None = None,
    **fields,
) -> Lead:
    """Create a received lead, audit it and tell the receiver after commit. Inside a
    transaction."""
    if opportunity is not None and receiver_partner is None:
        seller = route_to_microsoft(
            country=cast(Country, opportunity.customer_country).code
            if opportunity.customer_country
            else "",
            solution_areas=opportunity_solution_areas(opportunity),
            assessment=opportunity.category == Category.SOLUTION_ASSESSMENT,
        )
        fields.setdefault("receiver_seller", seller)
    fields.setdefault("expires_at", lead_expiry(now))
    lead = Lead.objects.create(
        opportunity=opportunity,
        receiver=Lead.Receiver.PARTNER if receiver_partner else Lead.Receiver.MICROSOFT,
        receiver_partner=receiver_partner,
        sender_user=actor if actor is not None and actor.is_authenticated else None,
        sent_at=now,
        **fields,
    )
    audit.record(
        lead,
        "sent",
        to=Lead.Status.RECEIVED,
        actor=actor,
        at=now,
        extra={
            "receiver": lead.receiver,
            "receiver_partner_id": lead.receiver_partner_id,
            "receiver_seller_id": lead.receiver_seller_id,
            "needs_answer": lead.needs_answer,
        },
    )
    events.emit_lead("lead.created", lead, at=now)
    effects.queue(tasks.lead_notify_receiver, lead.pk, "received")
    return lead


def _lead_fields(*, customer_name: str, customer_country: str, **fields) -> dict:
    errors: dict = {}
    if not (customer_name or "").strip():
        errors["customer_name"] = [_("This field is required.")]
    consent.require(fields, errors)
    if errors:
        raise ValidationFailed(errors)
    return {"customer_name": customer_name.strip(), "customer_country": customer_country, **fields}


def seller_lead_send(
    *,
    actor,
    partner_id,
    offer_id,
    customer_name: str,
    now: datetime,
    customer_country: str = "",
    title: str = "",
    contact_consent: bool = False,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    value: Decimal | None = None,
    currency: str = "",
    close_date: date | None = None,
    notes: str = "",
) -> Lead:
    """A Microsoft seller sends a customer to a partner for one of its co-sell-ready offers."""
    if actor.seller_or_none is None:
        raise PermissionDenied(_("Only Microsoft sellers send leads to partners."))
    partner = partner_or_error(partner_id)
    offer = (
        Offer.objects.filter(
            pk=offer_id,
            partner=partner,
            co_sell_status__in=CO_SELL_READY_STATUSES,
        ).first()
        if str(offer_id).isdigit()
        else None
    )
    if offer is None:
        raise ValidationFailed({"offer_id": [_("Choose a co-sell-ready offer of this partner.")]})
    fields = _lead_fields(
        customer_name=customer_name,
        customer_country=customer_country,
        contact_consent=contact_consent,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    with transaction.atomic():
        return send_lead(
            opportunity=None,
            actor=actor,
            now=now,
            receiver_partner=partner,
            source=Lead.Source.SELLER,
            offer=offer,
            title=title.strip(),
            value=value,
            currency=currency,
            close_date=close_date,
            notes=notes,
            **fields,
        )


def marketplace_lead_create(
    *,
    offer_id: int,
    call_to_action: str,
    customer_name: str,
    now: datetime,
    customer_country: str = "",
    contact_consent: bool = False,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    notes: str = "",
    actor=None,
) -> Lead:
    """A customer used a call to action on a marketplace listing: a lead to the offer's
    partner. A "contact me" lead is answered like any other; the others (get it now, free
    trial, test drive) need no answer, never expire and are kept 6 months (then archived)."""
    if call_to_action not in Lead.CallToAction.values:
        raise ValidationFailed(
            {"call_to_action": [_("Choose one of: %s.") % ", ".join(Lead.CallToAction.values)]}
        )
    offer = Offer.objects.select_related("partner").filter(pk=offer_id).first()
    if offer is None:
        raise ValidationFailed({"offer_id": [_("No offer with this id.")]})
    fields = _lead_fields(
        customer_name=customer_name,
        customer_country=customer_country,
        contact_consent=contact_consent,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    with transaction.atomic():
        return send_lead(
            opportunity=None,
            actor=actor,
            now=now,
            receiver_partner=offer.partner,
            source=Lead.Source.MARKETPLACE,
            offer=offer,
            call_to_action=call_to_action,
            title=f"{offer.name}: {Lead.CallToAction(call_to_action).label}",
            notes=notes,
            **_marketplace_answer(call_to_action),
            **fields,
        )


def _marketplace_answer(call_to_action: str) -> dict:
    if call_to_action == Lead.CallToAction.CONTACT_ME:
        return {}
    return {"needs_answer": False, "expires_at": None}
