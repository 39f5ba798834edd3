"""Opportunities: one customer deal, in one of four co-sell categories."""

import re
import unicodedata

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cosell.partners.models import Partner
from offers.models import Offer
from opportunities.deals.choices import (
    STAGE_PROGRESS,
    AssessmentType,
    Category,
    CustomerAccount,
    CustomerSize,
    DealType,
    ErrorReason,
    HelpNeeded,
    LostReason,
    PurchaseIntent,
    Stage,
)

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
