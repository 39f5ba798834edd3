"""The body of a delivery and its signatures (see docs/webhooks.md for the receiver's side).

Every delivery carries two signatures over the same bytes:

- ``Cosell-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``, keyed with the
  secret string (``WebhookEndpoint.cosell_signing_secret``);
- Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
  ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">``), keyed with
  the secret's decoded bytes, as the ``standardwebhooks`` and Svix libraries verify it.

For a day after a secret is rotated, deliveries are also signed with the previous secret: a
second ``v1,`` signature in ``webhook-signature`` (space-separated, as the specification allows)
and ``Cosell-Signature-Previous``, so a receiver can switch secrets without losing events.
"""

import base64
import hashlib
import hmac

from . import formats, keys
from .models import OutboxEvent

body = formats.cosell_body  # the Cosell format's body, as before formats existed


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: int, raw_body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`` keyed with the key bytes."""
    to_sign = f"{message_id}.{timestamp}.".encode() + raw_body
    mac = hmac.new(keys.key_bytes(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(
    *,
    event_id: str,
    secret: str,
    timestamp: int,
    raw_body: bytes,
    cosell_secret: str | None = None,
    previous_secret: str = "",
) -> dict[str, str]:
    """Both signatures' headers. ``secret`` is the endpoint's (Standard Webhooks) secret,
    ``cosell_secret`` the string ``Cosell-Signature`` is keyed with (default: ``secret``),
    ``previous_secret`` the one still valid after a rotation, if any."""
    standard = [standard_signature(secret, event_id, timestamp, raw_body)]
    result = {
        "Cosell-Event-Id": event_id,
        "Cosell-Timestamp": str(timestamp),
        "Cosell-Signature": signature(cosell_secret or secret, timestamp, raw_body),
    }
    if previous_secret:
        standard.append(standard_signature(previous_secret, event_id, timestamp, raw_body))
        result["Cosell-Signature-Previous"] = signature(previous_secret, timestamp, raw_body)
    result |= {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(standard),
    }
    return result


def delivery_headers(endpoint, event: OutboxEvent, raw_body: bytes, timestamp: int, now) -> dict:
    """The headers of one attempt of ``event`` to ``endpoint``."""
    return headers(
        event_id=str(event.pk),
        secret=endpoint.secret,
        cosell_secret=endpoint.cosell_signing_secret,
        timestamp=timestamp,
        raw_body=raw_body,
        previous_secret=endpoint.previous_secret if endpoint.previous_secret_valid(now) else "",
    )
