"""Reads about webhooks; tenancy is decided here: a partner admin sees their partner's only."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from cosell.partners.rules import is_partner_admin

from .models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, user) -> QuerySet[WebhookEndpoint]:
    if not is_partner_admin(user):
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(partner_id=user.membership.partner_id).select_related(
        "created_by"
    )


def endpoint_get(*, user, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(endpoint_list(user=user), pk=endpoint_id)


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries, newest first, with their event and attempts."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("at", "id"))
        )
        .order_by("-created_at", "-id")
    )


def delivery_get(*, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(delivery_list(endpoint=endpoint), pk=delivery_id)
