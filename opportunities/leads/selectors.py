"""Reads of leads: each viewer's inbox, the sellers' queue, what waits for an answer."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from cosell.partners.models import Membership
from offers.models import CO_SELL_READY_STATUSES, Offer
from opportunities import rules
from opportunities.deals.models import TeamMember
from opportunities.deals.selectors import _membership
from opportunities.leads.models import Lead


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


def offers_for_seller_leads() -> QuerySet[Offer]:
    """The offers a Microsoft seller may send a lead for: co-sell-ready offers of any partner
    (the status that exposes a solution to Microsoft's sellers)."""
    return (
        Offer.objects.filter(co_sell_status__in=CO_SELL_READY_STATUSES)
        .select_related("partner")
        .order_by("partner__name", "name")
    )


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
