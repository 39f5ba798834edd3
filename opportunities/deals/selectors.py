"""Reads of deals (opportunities): the rows each viewer may see (by the access policy in
``opportunities.rules``) and the pipeline's figures."""

from decimal import Decimal

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
from offers.models import Offer
from opportunities import rules
from opportunities.deals.choices import STAGE_ORDER, Category, DealType
from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember
from opportunities.leads.models import Lead


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
