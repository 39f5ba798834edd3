""" "Send a test event": a ``ping`` event delivered to one endpoint only, through the outbox and
the same delivery service (signing, attempts, retries, the delivery list) as every event.

``ping`` is not a subscribable event type: it is never fanned out to the partner's other
endpoints (the outbox row is written already dispatched, with its one delivery). An endpoint in
Partner Center's format receives it as Partner Center's ``test-created`` event.
"""

from datetime import UTC, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit
from cosell.core.errors import InvalidTransition

from .formats import PING
from .models import OutboxEvent, WebhookDelivery, WebhookEndpoint


def endpoint_send_test(*, endpoint_id: int, actor, now: datetime) -> WebhookDelivery:
    """Queue a signed ``ping`` event to this endpoint; an inactive endpoint receives nothing."""
    from .services import queue_deliveries

    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        if not endpoint.is_active:
            raise InvalidTransition(
                endpoint,
                to=PING,
                message=_("This endpoint is inactive: activate it to send a test event."),
            )
        event = OutboxEvent.objects.create(
            type=PING,
            partner_id=endpoint.partner_id,
            subject_type=WebhookEndpoint._meta.label_lower,
            subject_id=str(endpoint.pk),
            data={
                "endpoint_id": endpoint.pk,
                "url": endpoint.url,
                "sent_by": str(actor),
                "sent_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            },
            created_at=now,
            dispatched_at=now,
        )
        delivery = WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, next_attempt_at=now, created_at=now
        )
        audit.record(
            endpoint,
            "test_sent",
            actor=actor,
            at=now,
            extra={"delivery_id": delivery.pk, "event_id": str(event.pk)},
        )
        transaction.on_commit(lambda: queue_deliveries([delivery.pk], now))
    return delivery
