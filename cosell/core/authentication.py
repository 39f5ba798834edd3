"""Token authentication against hashed, revocable tokens (kept apart from views: DRF imports it
while it loads its own)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .compiled import CompiledQuery
from .models import ApiToken, hash_token

LAST_USED_GRANULARITY = timedelta(minutes=1)
# The person's membership (with its partner) and seller record come in the same query: every
# API view asks for them (role, visibility), each a query of its own otherwise. Its SQL is
# compiled once per process (compiled.py).
_active_tokens = CompiledQuery(
    lambda key_hash: (
        ApiToken.objects.active()
        .select_related("user", "user__membership__partner", "user__seller")
        .filter(key_hash=key_hash)
    ),
    key_hash="cosell-compiled-placeholder-token-hash",
)


def active_token(key_hash: str) -> ApiToken | None:
    """The active token of this hash (unique), with its person's membership and seller."""
    found = _active_tokens(key_hash=key_hash)
    return found[0] if found else None


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` against hashed, revocable tokens."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = active_token(hash_token(raw))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        # Record use at most once a minute so that reads do not turn into writes.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <key>``: the same tokens, as Partner Center's clients send them
    (the Referrals API under /v1.0/engagements/)."""

    keyword = "Bearer"
