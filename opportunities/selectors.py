"""Reads about opportunities and leads. Tenancy is decided here, and only here.

- A partner admin sees every opportunity of its partner; a partner user those whose team they
  are on. A partner invited to a partner-to-partner deal sees the lead (what the invitation
  shares), and the deal once its admins or the accepter accepted. Private deals are never shown
  to anyone outside the partner.
- A Microsoft seller sees the leads routed to them, the shared queue, the leads they sent or
  answered, the opportunities they joined, and the partner-led deals shared with them
  (``rules.leads_sharing_deal_with_seller``), read-only.
- Staff see everything. Anything else answers 404.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.shortcuts import get_object_or_404

from cosell.partners.models import Membership, Partner
from offers.models import CO_SELL_READY_STATUSES, Offer

from . import rules
from .models import (
    STAGE_ORDER,
    Category,
    DealType,
    Lead,
    Opportunity,
    OpportunitySolution,
    TeamMember,
)


class _AnyOf(Func):
    """``value = ANY(array)``, as a condition."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _membership(user) -> Membership | None:
    return user.membership_or_none if user.is_authenticated else None


def opportunity_visibility(user) -> Q | None:
    """The filter of the opportunities ``user`` may see; None means all (staff)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_staff:
        return None
    on_team = Q(Exists(TeamMember.objects.filter(opportunity=OuterRef("pk"), user=user)))
    membership = _membership(user)
    if membership is not None and membership.role == Membership.Role.ADMIN:
        # Not EXISTS (or IN) of the accepted leads: OR-ed with ``partner_id`` that becomes a
        # filter run on every row of the table. ``id = ANY(ARRAY(...))`` is an index condition,
        # so PostgreSQL combines the partner's index and the primary key in a BitmapOr.
        invited = _AnyOf(
            F("pk"),
            ArraySubquery(
                Lead.objects.filter(
                    receiver_partner_id=membership.partner_id, status=Lead.Status.ACCEPTED
                )
                .order_by()
                .values("opportunity_id")
            ),
        )
        return Q(partner_id=membership.partner_id) | (~Q(category=Category.PRIVATE) & Q(invited))
    if membership is not None:
        return on_team & (Q(partner_id=membership.partner_id) | ~Q(category=Category.PRIVATE))
    seller = user.seller_or_none
    if seller is not None:
        shared = _AnyOf(
            F("pk"),
            ArraySubquery(
                Lead.objects.filter(rules.leads_sharing_deal_with_seller(seller))
                .order_by()
                .values("opportunity_id")
            ),
        )
        return (on_team & ~Q(category=Category.PRIVATE)) | (
            Q(deal_type=DealType.PARTNER_LED) & Q(shared)
        )
    return Q(pk__in=[])


def _with_relations(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return queryset.select_related("partner").prefetch_related(
        Prefetch(
            "solutions",
            queryset=OpportunitySolution.objects.select_related("offer"),
        ),
        Prefetch("team", queryset=TeamMember.objects.select_related("user")),
    )


def opportunity_list(*, user) -> QuerySet[Opportunity]:
    """The opportunities ``user`` may see, with partner, solutions and team loaded."""
    queryset = Opportunity.objects.all()
    visibility = opportunity_visibility(user)
    if visibility is not None:
        queryset = queryset.filter(visibility)
    return _with_relations(queryset)


def opportunity_get(*, user, opportunity_id) -> Opportunity:
    """One opportunity ``user`` may see (with partner, solutions and team), else 404.

    A partner admin's own deal is read through the first term of their visibility filter
    alone (their partner's deals), a much cheaper query to build on every page; a deal they
    were invited to, and everyone else's, through the whole filter."""
    membership = _membership(user)
    if membership is not None and membership.role == Membership.Role.ADMIN:
        own = list(
            _with_relations(
                Opportunity.objects.filter(partner_id=membership.partner_id, pk=opportunity_id)
            )
        )
        if own:
            return own[0]
    return get_object_or_404(opportunity_list(user=user), pk=opportunity_id)


def opportunity_visible(*, user, opportunity_id) -> bool:
    """Whether ``user`` may open the opportunity (one EXISTS query)."""
    return opportunity_list(user=user).filter(pk=opportunity_id).exists()


def deals_shared_with_seller(*, user) -> QuerySet[Opportunity]:
    """Active partner-led deals shared with a seller for visibility, newest first (none for
    anyone else)."""
    if not user.is_authenticated or user.seller_or_none is None:
        return Opportunity.objects.none()
    return (
        opportunity_list(user=user)
        .filter(deal_type=DealType.PARTNER_LED, status=Opportunity.Status.ACTIVE)
        .order_by("-created_at", "-id")
    )


def microsoft_invited(*, opportunity: Opportunity) -> bool:
    """Whether Microsoft holds an open or accepted lead of the deal."""
    return opportunity.leads.filter(
        receiver=Lead.Receiver.MICROSOFT,
        status__in=(Lead.Status.RECEIVED, Lead.Status.ACCEPTED),
    ).exists()


# What the deal page shows of each lead: to whom, its status and time left (a third of the
# columns; the page's query count test catches a template reading one more).
LEAD_ROW_FIELDS = (
    "id",
    "opportunity_id",
    "receiver",
    "status",
    "needs_answer",
    "source",
    "sent_at",
    "expires_at",
    "receiver_partner__name",
    "receiver_seller__user__first_name",
    "receiver_seller__user__last_name",
    "receiver_seller__user__username",
)


def opportunity_leads(*, opportunity: Opportunity) -> QuerySet[Lead]:
    """The deal's leads as its page lists them, newest first."""
    return (
        opportunity.leads.select_related("receiver_partner", "receiver_seller__user")
        .only(*LEAD_ROW_FIELDS)
        .order_by("-sent_at", "-id")
    )


def can_edit(user, opportunity: Opportunity) -> bool:
    return rules.is_owner_side(user, opportunity)


def lead_visibility(user) -> Q | None:
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_staff:
        return None
    membership = _membership(user)
    if membership is not None:
        incoming = Q(receiver_partner_id=membership.partner_id)
        outgoing = Q(sender_partner_id=membership.partner_id)
        if membership.role != Membership.Role.ADMIN:
            outgoing &= Q(sender_user=user) | Q(
                Exists(TeamMember.objects.filter(opportunity=OuterRef("opportunity"), user=user))
            )
        return incoming | outgoing
    seller = user.seller_or_none
    if seller is not None:
        queue = Q(
            receiver=Lead.Receiver.MICROSOFT,
            receiver_seller__isnull=True,
            status=Lead.Status.RECEIVED,
        )
        # A lead another seller took from the queue is theirs now: not listed, 404.
        return Q(receiver_seller=seller) | queue | Q(sender_user=user) | Q(answered_by=user)
    return Q(pk__in=[])


def _lead_base() -> QuerySet[Lead]:
    return Lead.objects.select_related(
        "opportunity",
        "sender_partner",
        "sender_user",
        "receiver_partner",
        "receiver_seller__user",
        "answered_by",
        "offer",
    )


def lead_list(*, user, direction: str = "") -> QuerySet[Lead]:
    """Leads ``user`` may see; ``direction`` incoming (to them) or outgoing (from them)."""
    queryset = _lead_base()
    visibility = lead_visibility(user)
    if visibility is not None:
        queryset = queryset.filter(visibility)
    if direction == "incoming":
        queryset = queryset.filter(_incoming(user))
    elif direction == "outgoing":
        queryset = queryset.filter(~_incoming(user))
    return queryset.order_by("-sent_at", "-id")


def _incoming(user) -> Q:
    membership = _membership(user)
    if membership is not None:
        return Q(receiver_partner_id=membership.partner_id)
    if user.is_authenticated and user.seller_or_none is not None:
        return Q(receiver=Lead.Receiver.MICROSOFT)
    return Q(pk__in=[])


def lead_get(*, user, lead_id) -> Lead:
    return get_object_or_404(lead_list(user=user), pk=lead_id)


def lead_get_to_answer(*, user, lead_id) -> Lead:
    """The lead ``user`` answers (accept, decline): one they see, or, for a seller, a lead
    another seller took from the shared queue meanwhile, so the answer is the 409 that names
    who took it rather than a 404 (the loser of the race saw it in the queue)."""
    queryset = _lead_base()
    visibility = lead_visibility(user)
    if visibility is not None and user.seller_or_none is not None:
        visibility |= Q(receiver=Lead.Receiver.MICROSOFT, taken_from_queue=True)
    if visibility is not None:
        queryset = queryset.filter(visibility)
    return get_object_or_404(queryset, pk=lead_id)


lead_is_incoming = rules.lead_is_incoming
lead_contact_visible = rules.lead_contact_visible


def lead_queue(*, user) -> QuerySet[Lead]:
    """The shared Microsoft queue: received leads to Microsoft no seller has yet (sellers)."""
    if not user.is_authenticated or (user.seller_or_none is None and not user.is_staff):
        return Lead.objects.none()
    return (
        _lead_base()
        .filter(
            receiver=Lead.Receiver.MICROSOFT,
            receiver_seller__isnull=True,
            status=Lead.Status.RECEIVED,
        )
        .order_by("expires_at", "id")
    )


def leads_expiring_soon(*, user, now: datetime, limit: int = 5) -> list[Lead]:
    """Incoming received leads that expire within LEAD_REMINDER_HOURS, soonest first."""
    window = now + timedelta(hours=settings.LEAD_REMINDER_HOURS)
    return list(
        lead_list(user=user, direction="incoming")
        .filter(status=Lead.Status.RECEIVED, expires_at__gt=now, expires_at__lte=window)
        .order_by("expires_at", "id")[:limit]
    )


def pipeline_totals(queryset: QuerySet[Opportunity]) -> list[dict]:
    """Active deal value by currency (one query)."""
    rows = (
        queryset.filter(status=Opportunity.Status.ACTIVE)
        .order_by()
        .values("currency")
        .annotate(total=Sum("value"), count=Count("id"))
        .order_by("currency")
    )
    return [
        {"currency": row["currency"], "total": row["total"] or Decimal(0), "count": row["count"]}
        for row in rows
    ]


def pipeline_matrix(queryset: QuerySet[Opportunity]) -> dict[tuple[str, str], int]:
    """Count of opportunities by (category, stage) (one query)."""
    rows = queryset.order_by().values("category", "stage").annotate(count=Count("id"))
    return {(row["category"], row["stage"]): row["count"] for row in rows}


def pipeline_matrix_rows(queryset: QuerySet[Opportunity]) -> tuple[list[dict], list[int]]:
    """The category x stage matrix as rows (category, cells by stage, total) and the column
    totals, the grand total last (one query)."""
    matrix = pipeline_matrix(queryset)
    rows: list[dict] = [
        {
            "category": label,
            "cells": [matrix.get((code, stage), 0) for stage in STAGE_ORDER],
            "total": sum(matrix.get((code, stage), 0) for stage in STAGE_ORDER),
        }
        for code, label in Category.choices
    ]
    totals = [sum(row["cells"][i] for row in rows) for i in range(len(STAGE_ORDER))]
    return rows, [*totals, sum(totals)]


def partners_to_invite(*, partner: Partner) -> QuerySet[Partner]:
    """Partners a partner may invite to a deal: every other partner (the directory of names)."""
    return Partner.objects.exclude(pk=partner.pk).order_by("name")


def offers_for_deals(*, partner: Partner) -> QuerySet[Offer]:
    """The offers a partner may name as its solutions in a deal: its own."""
    return Offer.objects.filter(partner=partner).order_by("name")


def offers_for_seller_leads() -> QuerySet[Offer]:
    """The offers a Microsoft seller may send a lead for: co-sell-ready offers of any partner
    (the status that exposes a solution to Microsoft's sellers)."""
    return (
        Offer.objects.filter(co_sell_status__in=CO_SELL_READY_STATUSES)
        .select_related("partner")
        .order_by("partner__name", "name")
    )


def usual_currency(*, partner: Partner) -> str:
    """The currency most of the partner's deals use (USD when it has none), one query."""
    row = (
        Opportunity.objects.filter(partner_id=partner.pk)
        .order_by()
        .values("currency")
        .annotate(n=Count("id"))
        .order_by("-n", "currency")
        .first()
    )
    return row["currency"] if row else "USD"


def _waiting_for(user) -> Q | None:
    """The leads ``user`` answers, the shared queue aside: a partner's incoming leads, a
    seller's leads routed to them; None for anyone else. The rows of
    ``lead_list(direction="incoming")`` narrowed to them, written in the fewest terms (the
    navigation counts them on every page)."""
    if not user.is_authenticated or user.is_staff:
        return None
    membership = _membership(user)
    if membership is not None:
        return Q(receiver_partner_id=membership.partner_id)
    seller = user.seller_or_none
    if seller is not None:
        return Q(receiver=Lead.Receiver.MICROSOFT, receiver_seller_id=seller.pk)
    return None


def leads_waiting(*, user, now: datetime) -> QuerySet[Lead]:
    """The received leads waiting for ``user``'s answer, with time left, soonest expiry first.

    A partner's incoming leads; a seller's leads routed to them (the shared queue has its own
    page). Staff answer none."""
    waiting = _waiting_for(user)
    if waiting is None:
        return Lead.objects.none()
    return (
        _lead_base()
        .filter(waiting, status=Lead.Status.RECEIVED, expires_at__gt=now)
        .order_by("expires_at", "id")
    )


def leads_waiting_count(*, user, now: datetime) -> int:
    """How many leads wait for ``user``'s answer: one COUNT query, for the navigation."""
    waiting = _waiting_for(user)
    if waiting is None:
        return 0
    return Lead.objects.filter(waiting, status=Lead.Status.RECEIVED, expires_at__gt=now).count()


def pipeline_scope(*, user) -> dict | None:
    """For a partner user, whose deals the lists show: only those whose team they are on, out
    of how many of their partner's, and whom to ask to see more. None for everyone else."""
    membership = _membership(user)
    if membership is None or membership.role == Membership.Role.ADMIN:
        return None
    from cosell.partners.selectors import partner_admins

    return {
        "partner_total": Opportunity.objects.filter(partner_id=membership.partner_id).count(),
        "admins": [m.user for m in partner_admins(partner=membership.partner)[:3]],
    }
