"""The transactional outbox and webhook delivery: endpoints, deliveries and their attempts."""

import os
import threading
import time
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from cosell.partners.models import Partner

from . import keys


class EventType(models.TextChoices):
    LEAD_CREATED = "lead.created", _("Lead created")
    LEAD_ACCEPTED = "lead.accepted", _("Lead accepted")
    LEAD_DECLINED = "lead.declined", _("Lead declined")
    LEAD_EXPIRED = "lead.expired", _("Lead expired")
    LEAD_WITHDRAWN = "lead.withdrawn", _("Lead withdrawn")
    OPPORTUNITY_CREATED = "opportunity.created", _("Opportunity created")
    OPPORTUNITY_UPDATED = "opportunity.updated", _("Opportunity updated")
    OPPORTUNITY_CLOSED = "opportunity.closed", _("Opportunity closed")
    OFFER_STATUS_CHANGED = "offer.status_changed", _("Offer co-sell status changed")
    OFFER_BADGE_CHANGED = "offer.badge_changed", _("Offer badge changed")
    DEAL_REGISTRATION_CREATED = "deal_registration.created", _("Deal registration created")
    DEAL_REGISTRATION_UPDATED = "deal_registration.updated", _("Deal registration updated")


_uuid_lock = threading.Lock()
_uuid_last = [0, 0]  # last millisecond, counter within it


def event_uuid() -> uuid.UUID:
    """A time-ordered UUID (version 7 layout, monotonic within the process).

    Events that share the same ``created_at`` are ordered by id, so two events about one subject
    written in one transaction keep the order they were emitted in.
    """
    with _uuid_lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _uuid_last[0]:
            ms = _uuid_last[0]
            _uuid_last[1] += 1
            if _uuid_last[1] > 0xFFF:
                ms += 1
                _uuid_last[1] = 0
        else:
            _uuid_last[1] = 0
        _uuid_last[0] = ms
        counter = _uuid_last[1]
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand
    return uuid.UUID(int=value)


class OutboxEvent(models.Model):
    """One domain event for one partner, written in the transaction of the change itself.

    The id is the event id receivers deduplicate by: it stays the same on every retry and
    re-send. ``data`` is what that partner may see.
    """

    id = models.UUIDField(primary_key=True, default=event_uuid, editable=False)
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="+", verbose_name=_("partner")
    )
    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"))
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_undispatched",
            ),
            models.Index(
                fields=["partner", "subject_type", "subject_id", "created_at"],
                name="outbox_partner_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject_type}#{self.subject_id} → {self.partner_id}"


def generate_secret() -> str:
    """Kept for migration 0001's default; see ``keys.generate_secret``."""
    return keys.generate_secret()


class EventFormat(models.TextChoices):
    """How an endpoint's deliveries are written (see ``formats``)."""

    COSELL = "cosell", _("Cosell")
    PARTNER_CENTER = "partner_center", _("Partner Center")


class PartnerCenterEvent(models.TextChoices):
    """Partner Center's referral events (``partner-center-webhook-events.md``)."""

    REFERRAL_CREATED = "referral-created", _("Referral created")
    REFERRAL_UPDATED = "referral-updated", _("Referral updated")
    RELATED_REFERRAL_CREATED = "related-referral-created", _("Related referral created")
    RELATED_REFERRAL_UPDATED = "related-referral-updated", _("Related referral updated")


class WebhookEndpoint(models.Model):
    """A partner's receiver. The secret signs every delivery; it is shown once, at creation."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("partner"),
    )
    url = models.URLField(_("URL"), max_length=500)
    event_format = models.CharField(
        _("event format"),
        max_length=20,
        choices=EventFormat.choices,
        default=EventFormat.COSELL,
    )
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(_("secret"), max_length=100, default=generate_secret, editable=False)
    # A secret issued before Standard Webhooks (URL-safe alphabet): ``secret`` holds the same key
    # re-encoded, and ``Cosell-Signature`` stays keyed with this string until the next rotation.
    legacy_secret = models.CharField(
        _("legacy secret"), max_length=100, blank=True, default="", editable=False
    )
    # After a rotation, deliveries are also signed with the previous secret until this instant.
    previous_secret = models.CharField(
        _("previous secret"), max_length=100, blank=True, default="", editable=False
    )
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True, editable=False
    )
    secret_rotated_at = models.DateTimeField(
        _("secret rotated"), null=True, blank=True, editable=False
    )
    failing = models.BooleanField(_("failing"), default=False)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["partner", "created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def get_events_display(self) -> list[str]:
        labels = dict(EventType.choices) | dict(PartnerCenterEvent.choices)
        return [str(labels.get(code, code)) for code in self.events]

    @property
    def cosell_signing_secret(self) -> str:
        """The string ``Cosell-Signature`` is keyed with."""
        return self.legacy_secret or self.secret

    def previous_secret_valid(self, now) -> bool:
        expires = self.previous_secret_expires_at
        return bool(self.previous_secret) and expires is not None and now < expires


class WebhookDelivery(models.Model):
    """One event on its way to one endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")  # refused by the receiver (4xx): not retried
        GAVE_UP = "gave_up", _("Gave up")  # every attempt failed

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_once_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.PENDING


RESPONSE_EXCERPT_CHARS = 4096


class DeliveryAttempt(models.Model):
    """One POST of a delivery: append-only, shown to the partner."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    at = models.DateTimeField(_("time"))
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
