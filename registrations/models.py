"""Deal registration: a won deal registered with Microsoft so that it counts toward the
partner's incentives (Partner Center's "Register deals"), and the monthly currency rates that
decide whether a deal reaches USD 25,000."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from opportunities.deals.models import Opportunity, currency_validator

MAX_MESSAGE_LENGTH = 5000


class ExchangeRate(models.Model):
    """How many US dollars one unit of ``currency`` was worth in a month (kept by admins)."""

    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    usd_per_unit = models.DecimalField(
        _("USD per unit"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="exchange_rate_unique"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="exchange_rate_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.month:%Y-%m}: {self.usd_per_unit}"


class DealRegistration(models.Model):
    class State(models.TextChoices):
        REGISTRATION_PENDING = "registration_pending", _("Registration pending")
        APPROVED = "approved", _("Approved")
        REVIEW_PENDING = "review_pending", _("Review pending")
        REVIEW_PASSED = "review_passed", _("Review passed")
        REVIEW_FAILED = "review_failed", _("Review failed")
        ACTION_REQUIRED = "action_required", _("Action required")
        CLOSED = "closed", _("Closed")

    class TenantType(models.TextChoices):
        CUSTOMER = "customer", _("Customer tenant")
        PARTNER = "partner", _("Partner tenant")

    class PricingModel(models.TextChoices):
        PAY_AS_YOU_GO = "pay_as_you_go", _("Pay-as-you-go")
        OTHER = "other", _("Other")

    opportunity = models.OneToOneField(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="registration",
        verbose_name=_("opportunity"),
    )
    state = models.CharField(
        _("state"), max_length=24, choices=State.choices, default=State.REGISTRATION_PENDING
    )
    # Partner Center's form
    marketplace_transaction = models.BooleanField(_("marketplace transaction"), default=False)
    marketplace_transaction_date = models.DateField(
        _("estimated marketplace transaction date"), null=True, blank=True
    )
    deployed_on_azure = models.BooleanField(_("deployed on Azure"), default=False)
    perpetual = models.BooleanField(_("perpetual contract"), default=False)
    total_contract_value = models.DecimalField(
        _("total contract value"), max_digits=14, decimal_places=2
    )
    solution_value = models.DecimalField(_("solution value"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    contract_signed_date = models.DateField(_("contract signed date"))
    contract_start_date = models.DateField(_("contract start date"))
    contract_end_date = models.DateField(_("contract end date"), null=True, blank=True)
    tenant_type = models.CharField(_("tenant type"), max_length=10, choices=TenantType.choices)
    pricing_model = models.CharField(
        _("pricing model"), max_length=16, choices=PricingModel.choices
    )
    # Decided when registered (and on every update)
    annual_value_usd = models.DecimalField(_("annual value (USD)"), max_digits=16, decimal_places=2)
    review_reasons = models.JSONField(_("why it needs review"), default=list, blank=True)
    # The conversation with the reviewers
    reviewer_message = models.TextField(
        _("message from the reviewers"), blank=True, max_length=MAX_MESSAGE_LENGTH
    )
    partner_answer = models.TextField(
        _("answer of the partner"), blank=True, max_length=MAX_MESSAGE_LENGTH
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered"))
    updated_at = models.DateTimeField(_("updated"))
    review_requested_at = models.DateTimeField(_("review requested"), null=True, blank=True)
    reviewers_reminded_at = models.DateTimeField(_("reviewers reminded"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "review_requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(solution_value__lte=models.F("total_contract_value")),
                name="registration_solution_within_total",
            )
        ]

    def __str__(self) -> str:
        return str(self.opportunity)

    @property
    def status(self) -> str:
        """The state, under the name the API's conflict answers use (``current_status``)."""
        return self.state

    @property
    def etag(self) -> str:
        return f'"r{self.pk}-{self.version}"'


class ExceptionRequest(models.Model):
    """A partner's request that Microsoft register a deal the rules leave out (one per deal)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        GRANTED = "granted", _("Granted")
        DENIED = "denied", _("Denied")

    opportunity = models.OneToOneField(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="registration_exception",
        verbose_name=_("opportunity"),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    reason = models.TextField(_("why an exception"), max_length=MAX_MESSAGE_LENGTH)
    reviewer_message = models.TextField(
        _("message from the reviewers"), blank=True, max_length=MAX_MESSAGE_LENGTH
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reviewers_reminded_at = models.DateTimeField(_("reviewers reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration exception request")
        verbose_name_plural = _("registration exception requests")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return str(self.opportunity)

    @property
    def status(self) -> str:
        return self.state


class WindowReminder(models.Model):
    """The partner's admins were reminded that a won deal's registration window closes soon
    (once per deal, so the job is idempotent)."""

    opportunity = models.OneToOneField(
        Opportunity, on_delete=models.CASCADE, related_name="+", verbose_name=_("opportunity")
    )
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("registration window reminder")
        verbose_name_plural = _("registration window reminders")

    def __str__(self) -> str:
        return str(self.opportunity_id)
