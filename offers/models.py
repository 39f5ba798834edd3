import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cosell.partners.models import Partner, SolutionArea


class OfferType(models.TextChoices):
    AZURE_APPLICATION = "azure_application", _("Azure application")
    AZURE_CONTAINER = "azure_container", _("Azure container")
    AZURE_VIRTUAL_MACHINE = "azure_virtual_machine", _("Azure virtual machine")
    IOT_EDGE_MODULE = "iot_edge_module", _("IoT Edge module")
    SAAS = "saas", _("SaaS")
    DYNAMICS_365_CE_POWER_APPS = (
        "dynamics_365_ce_power_apps",
        _("Dynamics 365 apps on Dataverse and Power Apps"),
    )
    DYNAMICS_365_OPERATIONS = "dynamics_365_operations", _("Dynamics 365 Operations apps")
    DYNAMICS_365_BUSINESS_CENTRAL = (
        "dynamics_365_business_central",
        _("Dynamics 365 Business Central"),
    )
    CONSULTING_SERVICE = "consulting_service", _("Consulting service")
    MANAGED_SERVICE = "managed_service", _("Managed service")
    POWER_BI_APP = "power_bi_app", _("Power BI app")


APPSOURCE_TYPES = frozenset(
    {
        OfferType.DYNAMICS_365_CE_POWER_APPS,
        OfferType.DYNAMICS_365_OPERATIONS,
        OfferType.DYNAMICS_365_BUSINESS_CENTRAL,
        OfferType.CONSULTING_SERVICE,
        OfferType.POWER_BI_APP,
    }
)
SERVICES_TYPES = frozenset({OfferType.CONSULTING_SERVICE, OfferType.MANAGED_SERVICE})
AZURE_IP_TYPES = frozenset(
    {
        OfferType.AZURE_APPLICATION,
        OfferType.AZURE_CONTAINER,
        OfferType.AZURE_VIRTUAL_MACHINE,
        OfferType.IOT_EDGE_MODULE,
        OfferType.SAAS,
    }
)
BIZAPPS_TYPES = frozenset({OfferType.DYNAMICS_365_CE_POWER_APPS, OfferType.DYNAMICS_365_OPERATIONS})


class Store(models.TextChoices):
    AZURE_MARKETPLACE = "azure_marketplace", _("Azure Marketplace")
    APPSOURCE = "appsource", _("AppSource")


class CoSellStatus(models.TextChoices):
    NOT_READY = "not_ready", _("Not co-sell ready")
    CO_SELL_READY = "co_sell_ready", _("Co-sell ready")
    AZURE_IP_INCENTIVE = "azure_ip_incentive", _("Azure IP co-sell incentive")
    BIZAPPS_STANDARD = "bizapps_standard", _("Business Applications co-sell incentive (Standard)")
    BIZAPPS_PREMIUM = "bizapps_premium", _("Business Applications co-sell incentive (Premium)")


# Every status that includes the benefits of co-sell ready.
CO_SELL_READY_STATUSES = frozenset(
    {
        CoSellStatus.CO_SELL_READY,
        CoSellStatus.AZURE_IP_INCENTIVE,
        CoSellStatus.BIZAPPS_STANDARD,
        CoSellStatus.BIZAPPS_PREMIUM,
    }
)


class BadgeState(models.TextChoices):
    NONE = "none", _("No badge")
    PENDING = "pending", _("Badge pending")
    VISIBLE = "visible", _("Badge visible")
    REMOVAL_PENDING = "removal_pending", _("Badge removal pending")


class Offer(models.Model):
    class ListingState(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")

    class SolutionType(models.TextChoices):
        IP = "ip", _("IP (software)")
        SERVICE = "service", _("Service")
        MANAGED_SERVICE = "managed_service", _("Managed service")
        DEVICE = "device", _("Device")

    class TechnicalValidation(models.TextChoices):
        NOT_SUBMITTED = "not_submitted", _("Not submitted")
        PENDING = "pending", _("Pending")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="offers", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=200)
    offer_type = models.CharField(_("offer type"), max_length=40, choices=OfferType.choices)
    listing_state = models.CharField(
        _("listing state"), max_length=8, choices=ListingState.choices, default=ListingState.DRAFT
    )
    transactable = models.BooleanField(_("transactable"), default=False)
    has_paid_plan = models.BooleanField(_("paid plan (price above zero)"), default=False)
    billed_revenue_12m_usd = models.DecimalField(
        _("billed marketplace revenue, trailing 12 months (USD)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    solution_type = models.CharField(
        _("solution type"), max_length=16, choices=SolutionType.choices, blank=True
    )
    solution_areas = models.JSONField(_("solution areas"), default=list, blank=True)
    is_office_add_in = models.BooleanField(
        _("Office add-in"),
        default=False,
        help_text=_("Office add-ins are never eligible for co-sell."),
    )
    technical_validation = models.CharField(
        _("technical validation"),
        max_length=16,
        choices=TechnicalValidation.choices,
        default=TechnicalValidation.NOT_SUBMITTED,
    )
    # Set by the portal's administrators (Microsoft measures it), like the listing state,
    # transactable, paid plan and billed revenue above.
    isv_connect_enrolled = models.BooleanField(
        _("enrolled in ISV Connect"),
        default=False,
        help_text=_(
            "Dynamics 365 apps on Dataverse and Power Apps and Dynamics 365 Operations apps "
            "need it to be co-sell ready."
        ),
    )
    # Kept by the status engine through offers.services, never edited directly.
    co_sell_status = models.CharField(
        _("co-sell status"),
        max_length=24,
        choices=CoSellStatus.choices,
        default=CoSellStatus.NOT_READY,
        editable=False,
    )
    # Requirement codes missing at the last evaluation (None: never evaluated), so that a move
    # up can name the requirement that was just met.
    co_sell_unmet = models.JSONField(
        _("missing requirements"), null=True, blank=True, editable=False
    )
    status_changed_at = models.DateTimeField(
        _("status changed"), null=True, blank=True, editable=False
    )
    badge_state = models.CharField(
        _("Preferred solution badge"),
        max_length=16,
        choices=BadgeState.choices,
        default=BadgeState.NONE,
        editable=False,
    )
    badge_due_at = models.DateTimeField(
        _("badge change due"), null=True, blank=True, editable=False
    )
    badge_visible_since = models.DateTimeField(
        _("badge visible since"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["partner", "co_sell_status"]),
            models.Index(fields=["badge_state", "badge_due_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def store(self) -> str:
        return Store.APPSOURCE if self.offer_type in APPSOURCE_TYPES else Store.AZURE_MARKETPLACE

    def get_store_display(self) -> str:
        return Store(self.store).label

    @property
    def is_co_sell_ready(self) -> bool:
        return self.co_sell_status in CO_SELL_READY_STATUSES

    def get_solution_areas_display(self) -> list[str]:
        labels = dict(SolutionArea.choices)
        return [str(labels.get(code, code)) for code in self.solution_areas]


def document_upload_to(instance, filename: str) -> str:
    # Never the uploaded name: a path we generate, keeping only the checked extension.
    return f"offers/{instance.offer_id}/{uuid.uuid4().hex}.{instance.extension}"


class OfferDocument(models.Model):
    class Kind(models.TextChoices):
        ONE_PAGER = "one_pager", _("One-pager")
        PITCH_DECK = "pitch_deck", _("Pitch deck")
        ARCHITECTURE_DIAGRAM = "architecture_diagram", _("Reference architecture diagram")
        CASE_STUDY = "case_study", _("Case study")
        CUSTOMER_WIN = "customer_win", _("Customer win")
        CHANNEL_PITCH_DECK = "channel_pitch_deck", _("Channel pitch deck")
        OTHER = "other", _("Other")

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="documents", verbose_name=_("offer")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    extension = models.CharField(_("extension"), max_length=8)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("co-sell document")
        verbose_name_plural = _("co-sell documents")
        ordering = ["kind", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class OfferContact(models.Model):
    class Role(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        SALES = "sales", _("Sales")
        TECHNICAL_SALES = "technical_sales", _("Technical sales")
        CUSTOMER_SUCCESS = "customer_success", _("Customer success")

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("offer")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # ISO-3166 alpha-2 codes; ["OOO"] means all countries.
    countries = models.JSONField(_("countries"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("co-sell contact")
        verbose_name_plural = _("co-sell contacts")
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
