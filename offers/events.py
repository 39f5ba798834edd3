"""Webhook payloads about offers: only the offer's own partner hears about them."""

from collections.abc import Iterable
from datetime import datetime

from cosell.webhooks import outbox

from .models import Offer


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


# What an offer's payload is built from, as ``Offer.objects.values(*OFFER_VALUES)`` gives it.
OFFER_VALUES = (
    "id",
    "name",
    "partner_id",
    "co_sell_status",
    "badge_state",
    "badge_due_at",
    "badge_visible_since",
)


def _offer_view(values: dict, change: dict) -> dict:
    return {
        "id": values["id"],
        "name": values["name"],
        "partner_id": values["partner_id"],
        "co_sell_status": values["co_sell_status"],
        "badge_state": values["badge_state"],
        "badge_due_at": _iso(values["badge_due_at"]),
        "badge_visible_since": _iso(values["badge_visible_since"]),
        **change,
    }


def offer_data(offer: Offer, **change) -> dict:
    """The offer's co-sell status and badge, plus what moved (``from``/``to``, ...)."""
    return _offer_view({name: getattr(offer, name) for name in OFFER_VALUES}, change)


def emit_offer(event_type: str, offer: Offer, *, at: datetime, **change) -> None:
    """Inside the change's transaction."""
    outbox.emit(
        event_type=event_type,
        subject=offer,
        recipients={offer.partner_id: offer_data(offer, **change)},
        at=at,
    )


def emit_offer_values(
    event_type: str, changes: Iterable[tuple[dict, dict]], *, at: datetime
) -> int:
    """For set-based jobs that select ``OFFER_VALUES`` (after the change): (values, change)
    pairs, one bulk insert."""
    return outbox.emit_rows(
        event_type=event_type,
        subject_model=Offer,
        items=(
            (values["id"], {values["partner_id"]: _offer_view(values, change)})
            for values, change in changes
        ),
        at=at,
    )
