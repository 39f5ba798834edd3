"""Leads: an invitation to one party to take part in an opportunity (a referral)."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cosell.partners.models import Partner, Seller
from offers.models import Offer
from opportunities import consent
from opportunities.deals.choices import MARKETPLACE_LEAD_KEEP, LostReason
from opportunities.deals.models import Opportunity


class Lead(models.Model):
    """An invitation to one party to take part in an opportunity (a referral)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        PARTNER = "partner", _("Shared by a partner")
        SELLER = "seller", _("Sent by a Microsoft seller")
        MARKETPLACE = "marketplace", _("Marketplace")

    class Receiver(models.TextChoices):
        MICROSOFT = "microsoft", _("Microsoft")
        PARTNER = "partner", _("Partner")

    class CallToAction(models.TextChoices):
        GET_IT_NOW = "get_it_now", _("Get it now")
        FREE_TRIAL = "free_trial", _("Free trial")
        TEST_DRIVE = "test_drive", _("Test drive")
        CONTACT_ME = "contact_me", _("Contact me")

    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # Null until accepted for leads from sellers and the marketplace: accepting creates it.
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="leads"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    sender_partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="leads_sent",
        verbose_name=_("sending partner"),
    )
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads_sent",
        verbose_name=_("sent by"),
    )
    receiver = models.CharField(_("receiver"), max_length=10, choices=Receiver.choices)
    receiver_partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="leads_received",
        verbose_name=_("receiving partner"),
    )
    # Null for a lead to Microsoft: it waits in the shared queue.
    receiver_seller = models.ForeignKey(
        Seller,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("receiving seller"),
    )
    # Accepted by a seller from the shared queue: other sellers still see who took it.
    taken_from_queue = models.BooleanField(_("taken from the shared queue"), default=False)
    # For leads without an opportunity yet (from a seller or the marketplace).
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    call_to_action = models.CharField(
        _("call to action"), max_length=12, choices=CallToAction.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    customer_country = CountryField(_("customer country"), blank=True)
    contact_consent = models.BooleanField(_("customer consents to share contact"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    value = models.DecimalField(
        _("estimated value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Time
    sent_at = models.DateTimeField(_("sent"))
    # False for what asks no answer: a partner-led deal shared with Microsoft for visibility,
    # and marketplace leads other than "contact me". Such a lead never expires (no
    # ``expires_at``) and nothing is accepted or declined... except that a partner may still
    # take a marketplace lead up (accepting it creates the opportunity).
    needs_answer = models.BooleanField(_("needs an answer"), default=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # Marketplace leads that need no answer are kept 6 months, then archived by a job.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    decline_reason = models.CharField(
        _("decline reason"), max_length=32, choices=LostReason.choices, blank=True
    )
    decline_notes = models.TextField(_("decline notes"), blank=True)
    # Set only on the unsaved copies made by rules.lead_as_seen_by.
    contact_visible: bool
    direction: str
    visible_contact: dict | None

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["receiver_partner", "status"]),
            models.Index(fields=["receiver", "receiver_seller", "status"]),
            # A seller's inbox by time left (``?ordering=expires_at``).
            models.Index(
                fields=["receiver_seller", "status", "expires_at"], name="lead_seller_status_exp"
            ),
            # The deals a partner was invited to and accepted (opportunity visibility).
            models.Index(
                fields=["receiver_partner", "opportunity"],
                condition=models.Q(status="accepted"),
                name="lead_partner_accepted",
            ),
            # Leads sellers took from the shared queue (every seller sees them).
            models.Index(
                fields=["receiver", "status"],
                condition=models.Q(taken_from_queue=True),
                name="lead_taken_from_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(receiver="microsoft", receiver_partner__isnull=True)
                | models.Q(receiver="partner", receiver_partner__isnull=False),
                name="lead_receiver_consistent",
            )
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.opportunity_id:
            return self.opportunity.name
        return self.title or self.customer_name

    @property
    def in_queue(self) -> bool:
        return (
            self.receiver == self.Receiver.MICROSOFT
            and self.receiver_seller_id is None
            and self.status == self.Status.RECEIVED
        )

    @classmethod
    def due_to_expire(cls, now: datetime) -> models.Q:
        """The one "past its expiry" rule, as a filter: the expiry job selects with it, and
        ``is_due_to_expire`` (every lead service) checks the same on a row."""
        return models.Q(status=cls.Status.RECEIVED, expires_at__lte=now)

    def is_due_to_expire(self, now: datetime) -> bool:
        """``due_to_expire`` on this row: received, and its time ran out by ``now``. Accept,
        decline, withdraw, reassign and closing the deal all answer such a lead as expired. A
        lead with no expiry (one that needs no answer) never is."""
        return (
            self.status == self.Status.RECEIVED
            and self.expires_at is not None
            and self.expires_at <= now
        )

    @property
    def is_for_visibility(self) -> bool:
        """A partner-led deal shared with Microsoft: sellers view it, nothing to answer."""
        return not self.needs_answer and self.source != self.Source.MARKETPLACE

    @property
    def kept_until(self) -> datetime | None:
        """When a marketplace lead that needs no answer leaves the inbox (archived)."""
        if self.source != self.Source.MARKETPLACE or self.needs_answer:
            return None
        return self.sent_at + MARKETPLACE_LEAD_KEEP

    def time_left(self, now: datetime):
        if self.status != self.Status.RECEIVED or self.expires_at is None:
            return None
        return max(self.expires_at - now, self.expires_at - self.expires_at)

    @property
    def contact_hidden_from_receiver(self) -> bool:
        return self.status in (self.Status.DECLINED, self.Status.EXPIRED)

    def customer(self) -> dict:
        """The customer as the lead shares it (from its opportunity once there is one)."""
        source = self.opportunity if self.opportunity_id else self
        return {
            "name": source.customer_name,
            "country": source.customer_country.code if source.customer_country else "",
        }

    def contact(self) -> dict | None:
        return consent.shown(self.opportunity if self.opportunity_id else self)
