"""Opportunities (one customer deal, in one of four co-sell categories) and their leads."""

import re
import unicodedata
from datetime import datetime

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cosell.partners.models import Partner, Seller
from offers.models import Offer


class Category(models.TextChoices):
    MICROSOFT = "microsoft", _("Co-sell with Microsoft")
    P2P = "p2p", _("Partner to partner")
    PRIVATE = "private", _("Private deal")
    SOLUTION_ASSESSMENT = "solution_assessment", _("Solution assessment")


# Categories whose creation needs a co-sell-ready offer of the partner.
CO_SELL_CATEGORIES = frozenset({Category.MICROSOFT, Category.SOLUTION_ASSESSMENT})
# Categories shared with Microsoft through a lead.
MICROSOFT_SHARED_CATEGORIES = CO_SELL_CATEGORIES


class Stage(models.TextChoices):
    CREATED = "created", _("Created")
    ACCEPTED = "accepted", _("Accepted")
    QUALIFIED = "qualified", _("Qualified")
    DEVELOPED = "developed", _("Developed")
    PROPOSED = "proposed", _("Proposed")
    NEGOTIATED = "negotiated", _("Negotiated")
    WON = "won", _("Won")


STAGE_ORDER = list(Stage.values)
# Free-text limits (characters), declared once: the forms, the API serializers and the CSV
# import (which validates with the serializers) all enforce them (README, "Limits").
NOTES_MAX_LENGTH = 5000
SHORT_NOTES_MAX_LENGTH = 2000  # close notes, decline notes

STAGE_PROGRESS = {
    Stage.CREATED: 10,
    Stage.ACCEPTED: 10,
    Stage.QUALIFIED: 20,
    Stage.DEVELOPED: 40,
    Stage.PROPOSED: 60,
    Stage.NEGOTIATED: 80,
    Stage.WON: 100,
}


class LostReason(models.TextChoices):
    """Why a deal was lost or a lead declined."""

    BUDGET_NOT_ADEQUATE = "budget_not_adequate", _("Budget not adequate")
    CUSTOMER_DID_NOT_RESPOND = "customer_did_not_respond", _("Customer didn't respond")
    CHOSE_ANOTHER_VENDOR = "chose_another_vendor", _("Chose another vendor")
    REQUIREMENT_NOT_MET = "requirement_not_met", _("Requirement not met")
    NOT_A_CUSTOMER = "not_a_customer", _("Not a customer")
    TIMELINE_TOO_SHORT = "timeline_too_short", _("Timeline too short")
    SPAM_ABUSE = "spam_abuse", _("Spam or abuse")
    OTHER = "other", _("Other")


class ErrorReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    CONNECTOR_SYNC_ISSUE = "connector_sync_issue", _("Connector sync issue")
    CUSTOMER_MATCHING_ISSUE = "customer_matching_issue", _("Customer matching issue")
    SOLUTION_ISSUE = "solution_issue", _("Solution issue")
    TEST_REFERRAL = "test_referral", _("Test referral")
    DATA_ERROR = "data_error", _("Data error")
    OTHER = "other", _("Other")


class AssessmentType(models.TextChoices):
    AZURE_MIGRATION = "azure_migration", _("Azure migration and modernization")
    DATA_AI = "data_ai", _("Data and AI readiness")
    SECURITY = "security", _("Security")
    MODERN_WORK = "modern_work", _("Modern Work")
    BUSINESS_APPLICATIONS = "business_applications", _("Business Applications")


class CustomerSize(models.TextChoices):
    SMALL = "small", _("1–49 employees")
    MEDIUM = "medium", _("50–999 employees")
    LARGE = "large", _("1,000–9,999 employees")
    ENTERPRISE = "enterprise", _("10,000 or more employees")


class PurchaseIntent(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNDECIDED = "undecided", _("Undecided")


class HelpNeeded(models.TextChoices):
    WORKLOAD_VALUE_PROPOSITION = "workload_value_proposition", _("Workload value proposition")
    CUSTOMER_TECHNICAL_ARCHITECTURE = (
        "customer_technical_architecture",
        _("Customer technical architecture"),
    )
    PROOF_OF_CONCEPT = "proof_of_concept", _("Proof of concept or demo")
    QUOTES_LICENSING = "quotes_licensing", _("Quotes and licensing")
    POST_SALES = "post_sales", _("Post-sales customer success")
    GENERAL = "general", _("General")


_LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "plc",
    "bv",
}


def normalize_customer_name(name: str) -> str:
    """A customer's name for duplicate detection: case, accents, punctuation and legal suffixes
    ("Inc.", "Ltd") do not tell two customers apart."""
    text = unicodedata.normalize("NFKD", name or "").casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.findall(r"\w+", text)
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code."))


class Opportunity(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        ERROR = "error", _("Error")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="opportunities", verbose_name=_("partner")
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    stage = models.CharField(_("sales stage"), max_length=12, choices=Stage.choices)
    # Customer
    customer_name = models.CharField(_("customer name"), max_length=200)
    customer_name_normalized = models.CharField(max_length=200, editable=False, db_index=True)
    customer_address = models.CharField(_("customer address"), max_length=300, blank=True)
    customer_country = CountryField(_("customer country"), blank=True)
    customer_size = models.CharField(
        _("customer size"), max_length=12, choices=CustomerSize.choices, blank=True
    )
    customer_duns = models.CharField(
        _("DUNS or external id"), max_length=40, blank=True, db_index=True
    )
    # Customer contact: stored only with the customer's consent to share it.
    contact_consent = models.BooleanField(_("customer consents to share contact"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    # Deal
    value = models.DecimalField(
        _("estimated value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="USD", validators=[currency_validator]
    )
    close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    help_needed = models.JSONField(_("help needed from Microsoft"), default=list, blank=True)
    assessment_type = models.CharField(
        _("assessment type"), max_length=32, choices=AssessmentType.choices, blank=True
    )
    crm_id = models.CharField(_("CRM id"), max_length=100, blank=True)
    purchase_intent = models.CharField(
        _("marketplace purchase intent"),
        max_length=10,
        choices=PurchaseIntent.choices,
        default=PurchaseIntent.UNDECIDED,
    )
    # Close
    close_reason = models.CharField(_("close reason"), max_length=32, blank=True)
    close_notes = models.TextField(_("close notes"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    # Bumped by every write; the API's ETag.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status", "category"]),
            # The list's filters and its default ordering.
            models.Index(
                fields=["partner", "category", "status", "-created_at", "-id"],
                name="opp_partner_cat_status_created",
            ),
            models.Index(fields=["partner", "customer_name_normalized"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_terminal(self) -> bool:
        return self.status != self.Status.ACTIVE

    @property
    def progress(self) -> int:
        return STAGE_PROGRESS.get(self.stage, 0)

    @property
    def deal_registration_eligible(self) -> bool:
        # Solution assessments never are; a private deal is not shared at all.
        return self.category in (Category.MICROSOFT, Category.P2P)

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'

    def get_close_reason_display(self) -> str:
        labels = {**dict(ErrorReason.choices), **dict(LostReason.choices)}
        if self.status == self.Status.ERROR:
            labels.update(ErrorReason.choices)
        return str(labels.get(self.close_reason, self.close_reason))

    def get_help_needed_display(self) -> list[str]:
        labels = dict(HelpNeeded.choices)
        return [str(labels.get(code, code)) for code in self.help_needed]


class OpportunitySolution(models.Model):
    """One solution of an opportunity: an offer of the partner's own, or a named Microsoft or
    third-party solution."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("Our offer")
        MICROSOFT = "microsoft", _("Microsoft solution")
        THIRD_PARTY = "third_party", _("Third-party solution")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="solutions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="offer", offer__isnull=False))
                | (~models.Q(kind="offer") & models.Q(offer__isnull=True) & ~models.Q(name="")),
                name="opportunity_solution_offer_or_name",
            )
        ]

    def __str__(self) -> str:
        return self.offer.name if self.offer_id else self.name

    @property
    def label(self) -> str:
        return str(self)


class TeamMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Team member")
        PARTNER = "partner", _("Invited partner")
        SELLER = "seller", _("Microsoft seller")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opportunity_teams"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    added_at = models.DateTimeField(_("added"))

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "user"], name="team_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


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
    expires_at = models.DateTimeField(_("expires"))
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

    def is_due_to_expire(self, now: datetime) -> bool:
        """The condition the expiry job and every answer check alike."""
        return self.status == self.Status.RECEIVED and self.expires_at <= now

    def time_left(self, now: datetime):
        if self.status != self.Status.RECEIVED:
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
        source = self.opportunity if self.opportunity_id else self
        if not source.contact_consent:
            return None
        return {
            "name": source.contact_name,
            "email": source.contact_email,
            "phone": source.contact_phone,
        }
