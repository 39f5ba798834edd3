"""Thin tasks: take ids, re-read, call a service. Retries of deliveries live in the database
(``next_attempt_at``), not in Celery, so they survive a broker outage."""

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from cosell.core import clock
from cosell.partners.mail import mail_people, partner_admins

from . import services
from .models import WebhookDelivery, WebhookEndpoint


def _instant(at: str | None):
    return clock.parse_instant(at) if at else clock.now()


@shared_task(name="webhooks.outbox_dispatch")
def outbox_dispatch(event_ids: list[str], at: str | None = None) -> int:
    """Fan the given outbox events out to their endpoints (already dispatched ones are skipped)."""
    return len(services.outbox_dispatch(event_ids=event_ids, now=_instant(at)))


@shared_task(name="webhooks.delivery_attempt")
def delivery_attempt(delivery_id: int, at: str | None = None) -> str:
    """One attempt of one delivery, if it is still pending and due."""
    delivery = services.delivery_attempt(delivery_id=delivery_id, now=_instant(at))
    return delivery.status if delivery is not None else "skipped"


@shared_task(name="webhooks.endpoint_notify_failing")
def endpoint_notify_failing(endpoint_id: int, delivery_id: int) -> int:
    """Mail the partner's admins that an endpoint is failing; returns how many were mailed."""
    endpoint = (
        WebhookEndpoint.objects.select_related("partner")
        .filter(pk=endpoint_id, failing=True)
        .first()
    )
    if endpoint is None:
        return 0
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).select_related("event").first()
    link = settings.COSELL_BASE_URL + reverse("webhooks:detail", args=[endpoint.pk])
    return mail_people(
        partner_admins(endpoint.partner_id),
        subject_template="webhooks/mail/failing_subject.txt",
        body_template="webhooks/mail/failing.txt",
        context={"endpoint": endpoint, "delivery": delivery, "link": link},
    )
