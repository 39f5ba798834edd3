"""Webhook payloads about offers: only the offer's own partner hears about them."""

from collections.abc import Iterable
from datetime import datetime

from cosell.webhooks import outbox

from .models import Offer


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def offer_data(offer: Offer, **change) -> dict:
    """The offer's co-sell status and badge, plus what moved (``from``/``to``, ...)."""
    return {
        "id": offer.pk,
        "name": offer.name,
        "partner_id": offer.partner_id,
        "co_sell_status": offer.co_sell_status,
        "badge_state": offer.badge_state,
        "badge_due_at": _iso(offer.badge_due_at),
        "badge_visible_since": _iso(offer.badge_visible_since),
        **change,
    }


def emit_offer(event_type: str, offer: Offer, *, at: datetime, **change) -> None:
    """Inside the change's transaction."""
    outbox.emit(
        event_type=event_type,
        subject=offer,
        recipients={offer.partner_id: offer_data(offer, **change)},
        at=at,
    )


def emit_offers(event_type: str, changes: Iterable[tuple[Offer, dict]], *, at: datetime) -> None:
    """For set-based jobs: (offer, change) pairs, one bulk insert."""
    outbox.emit_many(
        event_type=event_type,
        items=(
            (offer, {offer.partner_id: offer_data(offer, **change)}) for offer, change in changes
        ),
        at=at,
    )
