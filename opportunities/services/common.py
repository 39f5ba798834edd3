"""Helpers the opportunity and lead services share: who may act, sending leads, routing."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import cast

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django_countries.fields import Country

from cosell.core import audit, effects
from cosell.core.errors import InvalidTransition, ValidationFailed
from cosell.partners.models import Partner, Seller

from .. import events, tasks
from ..models import Category, Lead, Opportunity, TeamMember
from ..rules import is_owner_side, require_owner_side  # noqa: F401  (the policy lives in rules)


def lead_expiry(sent_at: datetime) -> datetime:
    return sent_at + timedelta(days=settings.LEAD_EXPIRY_DAYS)


def require_active(opportunity: Opportunity, to: str) -> None:
    if opportunity.is_terminal:
        raise InvalidTransition(
            opportunity,
            to=to,
            message=_("This opportunity is closed (%(status)s); nothing changes any more.")
            % {"status": opportunity.get_status_display()},
        )


def expired_transition(lead: Lead, to: str) -> InvalidTransition:
    """A received lead past its expiry time answers as expired even before the job has run, so
    a click and the job check the same condition and give one outcome."""
    assert lead.expires_at is not None  # called only once lead.is_due_to_expire(now)
    return InvalidTransition(
        SimpleNamespace(status=Lead.Status.EXPIRED),
        to=to,
        message=_("This lead expired on %(when)s.") % {"when": lead.expires_at.isoformat()},
    )


def check_contact(fields: dict, errors: dict) -> None:
    """A customer contact is stored only with the customer's consent."""
    if fields.get("contact_consent"):
        return
    given = [
        name for name in ("contact_name", "contact_email", "contact_phone") if fields.get(name)
    ]
    if given:
        errors.setdefault("contact_consent", []).append(
            _("A customer contact can only be stored with the customer's consent.")
        )


def partner_or_error(partner_id, field: str = "partner_id") -> Partner:
    try:
        return Partner.objects.get(pk=int(partner_id))
    except (TypeError, ValueError, Partner.DoesNotExist):
        raise ValidationFailed({field: [_("No partner with this id.")]}) from None


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


def team_add(*, opportunity: Opportunity, user, role: str, now: datetime) -> TeamMember:
    member, _created = TeamMember.objects.get_or_create(
        opportunity=opportunity, user=user, defaults={"role": role, "added_at": now}
    )
    return member
