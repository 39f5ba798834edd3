"""Writes of the kernel: personal API tokens."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .errors import ValidationFailed
from .models import ApiToken

MAX_ACTIVE_TOKENS = 50


def api_token_create(*, user, name: str, now: datetime) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it with the raw key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("Give the token a name.")]})
    if len(name) > 100:
        raise ValidationFailed({"name": [_("Use at most 100 characters.")]})
    with transaction.atomic():
        if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
            raise ValidationFailed(
                _("You have %(count)d active tokens: revoke one first.")
                % {"count": MAX_ACTIVE_TOKENS}
            )
        raw, key_hash, prefix = ApiToken.generate()
        token = ApiToken.objects.create(user=user, name=name, key_hash=key_hash, prefix=prefix)
        audit.record(token, "created", actor=user, at=now, extra={"name": name})
    return token, raw


def api_token_revoke(*, token_id: int, actor, now: datetime) -> ApiToken:
    """Revoke a token; revoking a revoked token returns it unchanged."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id)
        if token.revoked_at is not None:
            return token
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit.record(token, "revoked", actor=actor, at=now)
    return token


def api_tokens_revoke_for_user(*, user, now: datetime, reason: str, actor=None) -> int:
    """Revoke every active token of ``user`` (their password changed or was reset), each with
    its audit event; returns how many. Inside the caller's transaction when there is one."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.active().select_for_update().filter(user=user))
        for token in tokens:
            token.revoked_at = now
        ApiToken.objects.bulk_update(tokens, ["revoked_at"])
        for token in tokens:
            audit.record(token, "revoked", actor=actor, at=now, reason=reason)
    return len(tokens)
