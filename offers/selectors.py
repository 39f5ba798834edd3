"""Reads about offers. Tenancy is decided here: every read takes the acting user."""

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from cosell.core import audit

from .benefits import benefits
from .models import CO_SELL_READY_STATUSES, BadgeState, Offer, OfferContact, OfferDocument
from .status_engine import evaluate


def offer_list(*, user) -> QuerySet[Offer]:
    """The offers ``user`` may see: staff all, partner people their own partner's, sellers the
    co-sell-ready offers of every partner, anyone else none."""
    offers = Offer.objects.select_related("partner")
    if not user.is_authenticated or not user.is_active:
        return offers.none()
    if user.is_staff:
        return offers
    membership = user.membership_or_none
    if membership is not None:
        return offers.filter(partner_id=membership.partner_id)
    if user.seller_or_none is not None:
        return offers.filter(co_sell_status__in=CO_SELL_READY_STATUSES)
    return offers.none()


def offer_get(*, user, offer_id: int) -> Offer:
    """One offer ``user`` may see, else 404."""
    return get_object_or_404(offer_list(user=user), pk=offer_id)


def offer_get_for_files(*, user, offer_id: int) -> Offer:
    """One offer whose documents ``user`` may see, else 404: its partner and staff, and sellers
    for the co-sell-ready offers they see (``offers.download_document``)."""
    offer = offer_get(user=user, offer_id=offer_id)
    if not user.has_perm("offers.download_document", offer):
        raise Http404
    return offer


def document_list(*, offer: Offer) -> QuerySet[OfferDocument]:
    return offer.documents.select_related("uploaded_by").order_by("kind", "uploaded_at", "pk")


def document_get(*, user, offer_id: int, document_id: int) -> OfferDocument:
    offer = offer_get_for_files(user=user, offer_id=offer_id)
    return get_object_or_404(document_list(offer=offer), pk=document_id)


def contact_list(*, offer: Offer) -> QuerySet[OfferContact]:
    return offer.contacts.order_by("role", "name", "pk")


def contact_get(*, user, offer_id: int, contact_id: int) -> OfferContact:
    offer = offer_get(user=user, offer_id=offer_id)
    return get_object_or_404(contact_list(offer=offer), pk=contact_id)


def offer_history(*, offer: Offer):
    return audit.history(offer)


def offer_status_counts(*, offers: QuerySet[Offer]) -> dict[str, int]:
    rows = offers.order_by().values("co_sell_status").annotate(n=Count("pk"))
    return {row["co_sell_status"]: row["n"] for row in rows}


def badge_changes_upcoming(*, offers: QuerySet[Offer]) -> QuerySet[Offer]:
    return offers.filter(badge_state__in=[BadgeState.PENDING, BadgeState.REMOVAL_PENDING]).order_by(
        "badge_due_at", "name"
    )


def badge_visible_from(offer: Offer):
    """When the badge appears (pending) or appeared (visible, removal pending); else None."""
    if offer.badge_state == BadgeState.PENDING:
        return offer.badge_due_at
    if offer.badge_state in (BadgeState.VISIBLE, BadgeState.REMOVAL_PENDING):
        return offer.badge_visible_since
    return None


def offer_co_sell(*, offer: Offer) -> dict:
    """The offer's checklist as the engine sees it now, its benefits and its badge."""
    evaluation = evaluate(
        offer,
        offer.partner,
        offer.documents.values_list("kind", flat=True),
        offer.contacts.values_list("role", flat=True),
    )
    return {
        "evaluation": evaluation,
        "next_missing": evaluation.next_missing(),
        "benefits": benefits(offer, offer.partner),
        "badge_visible_from": badge_visible_from(offer),
    }
