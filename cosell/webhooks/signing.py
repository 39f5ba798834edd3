"""The body of a delivery and its signature (see docs/webhooks.md for the receiver's side)."""

import hashlib
import hmac
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder

from .models import OutboxEvent


def body(event: OutboxEvent) -> bytes:
    """``{"id", "type", "created", "data"}`` as compact UTF-8 JSON; the same on every attempt."""
    created = event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    document = {"id": str(event.pk), "type": event.type, "created": created, "data": event.data}
    return json.dumps(
        document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(*, event_id: str, secret: str, timestamp: int, raw_body: bytes) -> dict[str, str]:
    return {
        "Cosell-Event-Id": event_id,
        "Cosell-Timestamp": str(timestamp),
        "Cosell-Signature": signature(secret, timestamp, raw_body),
    }
