"""Endpoint secrets: ``whsec_`` and the standard base64 of 32 random bytes (Standard Webhooks).

The key that signs ``webhook-signature`` is the decoded bytes; ``Cosell-Signature`` is keyed with
the secret string itself, as the guide has always said. Secrets issued before Standard Webhooks
were ``whsec_`` and URL-safe base64 (``-`` and ``_``), which a quarter of the time the
``standardwebhooks`` libraries cannot decode; migration 0003 re-encoded them in the standard
alphabet (the same key bytes) and kept the old string for ``Cosell-Signature`` only
(``WebhookEndpoint.legacy_secret``), so receivers set up before keep verifying.
"""

import base64
import binascii
import os

PREFIX = "whsec_"
KEY_BYTES = 32
_TO_STANDARD = str.maketrans("-_", "+/")


def generate_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(KEY_BYTES)).decode()


def key_bytes(secret: str) -> bytes:
    """The key bytes of a secret in either alphabet (standard or URL-safe, padded or not)."""
    body = secret.removeprefix(PREFIX).translate(_TO_STANDARD)
    body += "=" * (-len(body) % 4)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        # Not base64 at all (never issued by the portal): the string's own bytes.
        return secret.encode()


def standard_form(secret: str) -> str:
    """The same key written as Standard Webhooks expects: ``whsec_`` and standard base64."""
    return PREFIX + base64.b64encode(key_bytes(secret)).decode()


def is_standard(secret: str) -> bool:
    return secret == standard_form(secret)
