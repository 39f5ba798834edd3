"""Event formats: how one outbox event is written for an endpoint.

- ``cosell``: ``{"id", "type", "created", "data"}`` (``signing.body``), the event types of
  ``EventType``;
- ``partner_center``: Partner Center's referral events (``PartnerCenterEvent``), with its
  payload ``{"EventName", "ResourceUri", "ResourceName", "AuditUri", "ResourceChangeUtcDate"}``.

Which referral an event is about is known by the apps that emit it, higher in the stack: they
register a translator here (``register_partner_center``, from their ``AppConfig.ready``), a pure
function of the outbox row (its type, recipient partner and the data that partner may see), so a
delivery's body is the same on every attempt. An event no translator claims (an offer's status,
say) is not delivered to Partner Center endpoints.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from .models import EventFormat, EventType, OutboxEvent, PartnerCenterEvent, WebhookEndpoint

PING = "ping"
TEST_CREATED = "test-created"


@dataclass(frozen=True)
class Notification:
    """One Partner Center event: its name and the resource it is about."""

    name: str
    resource_uri: str
    resource_name: str = "referral"


Translator = Callable[[OutboxEvent], Notification | None]
_translators: dict[str, Translator] = {}


def register_partner_center(event_types: Iterable[str], translator: Translator) -> None:
    """Let ``translator`` write these Cosell event types as Partner Center events."""
    for event_type in event_types:
        _translators[event_type] = translator


def partner_center_sources() -> list[str]:
    """The Cosell event types that can reach a Partner Center endpoint."""
    return sorted(_translators)


def _test_notification(event: OutboxEvent) -> Notification:
    endpoint_id = event.data.get("endpoint_id", event.subject_id)
    return Notification(
        name=TEST_CREATED,
        resource_uri=f"{settings.COSELL_BASE_URL}/api/v1/webhooks/{endpoint_id}/deliveries/",
        resource_name="test",
    )


def partner_center_notification(event: OutboxEvent) -> Notification | None:
    if event.type == PING:
        return _test_notification(event)
    translator = _translators.get(event.type)
    return translator(event) if translator is not None else None


def delivered_name(event_format: str, event: OutboxEvent) -> str | None:
    """The event's name in ``event_format``, or None when that format has no such event."""
    if event_format == EventFormat.PARTNER_CENTER:
        notification = partner_center_notification(event)
        return notification.name if notification is not None else None
    return event.type


def subscribed(endpoint: WebhookEndpoint, event: OutboxEvent) -> bool:
    """Whether the endpoint subscribed to this event (in its own format's names)."""
    return delivered_name(endpoint.event_format, event) in endpoint.events


def source_types(endpoint: WebhookEndpoint) -> list[str]:
    """The outbox event types that may turn into deliveries to this endpoint."""
    if endpoint.event_format == EventFormat.PARTNER_CENTER:
        return partner_center_sources() if endpoint.events else []
    return list(endpoint.events)


def events_for(event_format: str) -> list[tuple[str, str]]:
    """The subscribable events of a format, as (code, label) choices."""
    if event_format == EventFormat.PARTNER_CENTER:
        return list(PartnerCenterEvent.choices)
    return list(EventType.choices)


def _utc(value) -> str:
    return value.astimezone(UTC).isoformat()


def _dumps(document: dict) -> bytes:
    return json.dumps(
        document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def cosell_body(event: OutboxEvent) -> bytes:
    """``{"id", "type", "created", "data"}`` as compact UTF-8 JSON; the same on every attempt."""
    created = _utc(event.created_at).replace("+00:00", "Z")
    return _dumps({"id": str(event.pk), "type": event.type, "created": created, "data": event.data})


def partner_center_body(event: OutboxEvent) -> bytes:
    """Partner Center's event payload (``partner-center-webhook-events.md``)."""
    notification = partner_center_notification(event)
    if notification is None:  # never fanned out to such endpoints (``subscribed``)
        raise LookupError(f"{event.type} has no Partner Center form")
    return _dumps(
        {
            "EventName": notification.name,
            "ResourceUri": notification.resource_uri,
            "ResourceName": notification.resource_name,
            "AuditUri": None,
            "ResourceChangeUtcDate": _utc(event.created_at),
        }
    )


def body(event: OutboxEvent, event_format: str = EventFormat.COSELL) -> bytes:
    if event_format == EventFormat.PARTNER_CENTER:
        return partner_center_body(event)
    return cosell_body(event)
