"""Opportunities (one customer deal, in one of four co-sell categories) and their leads."""

import re
import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from cosell.partners.models import Partner, Seller
from offers.models import Offer


class Category(models.TextChoices):
    MICROSOFT = "microsoft", _("Co-sell with Microsoft")
    P2P = "p2p", _("Partner to partner")
    PRIVATE = "private", _("Private deal")
    SOLUTION_ASSESSMENT = "solution_assessment", _("Solution assessment")


# Marketplace leads that need no answer are kept this long (Partner Center: 6 months).
MARKETPLACE_LEAD_KEEP = timedelta(days=183)


class DealType(models.TextChoices):
    """The two kinds of a ``microsoft`` deal, decided by Partner Center's two questions: what
    help is needed from Microsoft, and may Microsoft sellers view the deal."""

    CO_SELL = "co_sell", _("Co-sell")
    PARTNER_LED = "partner_led", _("Partner-led")


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
    """Why a deal was lost or a lead declined: Partner Center's reasons 1-8, in its order and
    words (``PARTNER_CENTER_NUMBER`` gives the number its bulk files use)."""

    BUDGET_NOT_ADEQUATE = "budget_not_adequate", _("Project budget isn't adequate")
    CUSTOMER_DID_NOT_RESPOND = "customer_did_not_respond", _("Customer didn't respond")
    CHOSE_ANOTHER_VENDOR = "chose_another_vendor", _("Customer chose another vendor")
    REQUIREMENT_NOT_MET = "requirement_not_met", _("Customer requirement not met")
    NOT_A_CUSTOMER = "not_a_customer", _("Not a customer")
    TIMELINE_TOO_SHORT = "timeline_too_short", _("Proposed time line was too short")
    SPAM_ABUSE = "spam_abuse", _("Report as abuse/spam/phishing")
    OTHER = "other", pgettext_lazy("lost reason", "Others")


class ErrorReason(models.TextChoices):
    """Why a deal was closed as an error: Partner Center's reasons 1-9, in its order."""

    DUPLICATE_BULK_UPLOAD = "duplicate_bulk_upload", _("Duplicate created through bulk upload")
    DUPLICATE_IN_PORTAL = "duplicate_in_portal", _("Duplicate created in the portal")
    DUPLICATE_FROM_MICROSOFT = "duplicate_from_microsoft", _("Duplicate sent by Microsoft")
    CONNECTOR_SYNC_ISSUE = "connector_sync_issue", _("Connector data sync issues")
    CUSTOMER_MATCHING_ISSUE = "customer_matching_issue", _("Customer matching issues")
    SOLUTION_ISSUE = "solution_issue", _("Solution issues (explain in notes)")
    TEST_REFERRAL = "test_referral", _("Test referral")
    DATA_ERROR = "data_error", _("Data error")
    OTHER = "other", _("Others (explain in notes)")


# Partner Center's numbers of the reasons (bulk CSV files), per outcome.
LOST_REASON_NUMBER = {code: n for n, code in enumerate(LostReason.values, start=1)}
ERROR_REASON_NUMBER = {code: n for n, code in enumerate(ErrorReason.values, start=1)}


class AssessmentType(models.TextChoices):
    AZURE_MIGRATION = "azure_migration", _("Azure migration and modernization")
    DATA_AI = "data_ai", _("Data and AI readiness")
    SECURITY = "security", _("Security")
    MODERN_WORK = "modern_work", _("Modern Work")
    BUSINESS_APPLICATIONS = "business_applications", _("Business Applications")


class CustomerSize(models.TextChoices):
    """The Referrals API's ``customerProfile.size`` values, exactly as Microsoft lists them."""

    S1_50 = "1to50employees", _("1 to 50 employees")
    S51_500 = "51to500employees", _("51 to 500 employees")
    MORE_THAN_500 = "Morethan500employees", _("More than 500 employees")
    S1_9 = "1to9employees", _("1 to 9 employees")
    S10_50 = "10to50employees", _("10 to 50 employees")
    S51_250 = "51to250employees", _("51 to 250 employees")
    S251_1000 = "251to1000employees", _("251 to 1,000 employees")
    S1001_5000 = "1001to5000employees", _("1,001 to 5,000 employees")
    S5001_10000 = "5001to10000employees", _("5,001 to 10,000 employees")
    S10001_20000 = "10001to20000employees", _("10,001 to 20,000 employees")
    MORE_THAN_20000 = "Morethan20000employees", _("More than 20,000 employees")


class CustomerAccount(models.TextChoices):
    """Whether Microsoft manages the customer's account (deal registration needs a managed one)."""

    MICROSOFT_MANAGED = "microsoft_managed", _("Microsoft-managed account")
    MICROSOFT_UNMANAGED = "microsoft_unmanaged", _("Microsoft-unmanaged account")
    OTHER = "other", _("Other or not known")


class PurchaseIntent(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNDECIDED = "undecided", _("Have not decided")


class HelpNeeded(models.TextChoices):
    WORKLOAD_VALUE_PROPOSITION = (
        "workload_value_proposition",
        _("Workload-specific value proposition"),
    )
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
    # Only on ``microsoft`` deals: co-sell (help asked) or partner-led (shared for visibility).
    deal_type = models.CharField(
        _("deal type"), max_length=12, choices=DealType.choices, blank=True, default=""
    )
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
        _("customer size"), max_length=24, choices=CustomerSize.choices, blank=True
    )
    customer_duns = models.CharField(
        _("DUNS or external id"), max_length=40, blank=True, db_index=True
    )
    # Set by the partner, confirmable by a Microsoft seller on the deal (deal registration).
    customer_account = models.CharField(
        _("customer account"), max_length=20, choices=CustomerAccount.choices, blank=True
    )
    customer_account_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer account confirmed by"),
    )
    customer_account_confirmed_at = models.DateTimeField(
        _("customer account confirmed"), null=True, blank=True
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
    # Set only on the unsaved copies made by rules.opportunity_as_seen_by.
    withheld: frozenset[str]
    seen_as_redacted: bool

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
        source = self.opportunity if self.opportunity_id else self
        if not source.contact_consent:
            return None
        return {
            "name": source.contact_name,
            "email": source.contact_email,
            "phone": source.contact_phone,
        }
