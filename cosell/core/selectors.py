"""Reads of the kernel."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import ApiToken


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (revoked ones included, marked)."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id")


def api_token_get(*, user, token_id: int) -> ApiToken:
    return get_object_or_404(api_token_list(user=user), pk=token_id)
