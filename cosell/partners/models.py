from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class SolutionArea(models.TextChoices):
    DATA_AI = "data_ai", _("Data & AI (Azure)")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure (Azure)")
    DIGITAL_APP_INNOVATION = "digital_app_innovation", _("Digital & App Innovation (Azure)")
    BUSINESS_APPLICATIONS = "business_applications", _("Business Applications")
    MODERN_WORK = "modern_work", _("Modern Work")
    SECURITY = "security", _("Security")


class Role(models.TextChoices):
    """What a signed-in person is, as the portal and the API report it."""

    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    PARTNER_USER = "partner_user", _("Partner user")
    SELLER = "seller", _("Microsoft seller")
    ADMIN = "admin", _("Administrator")
    NONE = "none", _("No role")


class User(AbstractUser):
    """A person. Partner people have a membership; Microsoft sellers a seller profile; staff are
    admins."""

    email = models.EmailField(_("email address"), blank=True, db_index=True)
    # The language mail is written in: the last one chosen with the switcher or asked for by the
    # browser at login; blank means the portal's default.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Whether ``language`` was chosen with the switcher (not guessed from a browser): a chosen
    # language is the one the pages open in at every login, on any browser.
    language_chosen = models.BooleanField(_("language chosen"), default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username

    @property
    def membership_or_none(self):
        try:
            return self.membership
        except Membership.DoesNotExist:
            return None

    @property
    def seller_or_none(self):
        try:
            return self.seller
        except Seller.DoesNotExist:
            return None

    @property
    def role(self) -> str:
        if not self.is_authenticated:
            return Role.NONE
        if self.is_staff:
            return Role.ADMIN
        membership = self.membership_or_none
        if membership is not None:
            return (
                Role.PARTNER_ADMIN
                if membership.role == Membership.Role.ADMIN
                else Role.PARTNER_USER
            )
        if self.seller_or_none is not None:
            return Role.SELLER
        return Role.NONE

    @property
    def partner(self):
        membership = self.membership_or_none
        return membership.partner if membership is not None else None


class Partner(models.Model):
    class IsvConnectTier(models.TextChoices):
        NONE = "none", _("Not enrolled")
        STANDARD = "standard", _("Standard")
        PREMIUM = "premium", _("Premium")

    name = models.CharField(_("name"), max_length=200)
    partner_id = models.CharField(
        _("PartnerID"),
        max_length=12,
        blank=True,
        help_text=_("Microsoft AI Cloud Partner Program ID (formerly MPN ID), digits only."),
        validators=[RegexValidator(r"^\d{4,12}$", _("A PartnerID has 4 to 12 digits."))],
    )
    country = CountryField(_("country"))
    business_profile_complete = models.BooleanField(_("business profile complete"), default=False)
    solutions_partner_designation = models.BooleanField(
        _("solutions partner designation"), default=False
    )
    isv_connect_tier = models.CharField(
        _("ISV Connect tier"),
        max_length=16,
        choices=IsvConnectTier.choices,
        default=IsvConnectTier.NONE,
    )
    sa_vetted = models.BooleanField(_("vetted for solution assessments"), default=False)
    acr_trailing_12m_usd = models.DecimalField(
        _("Azure consumed revenue, trailing 12 months (USD)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner_id"],
                condition=~models.Q(partner_id=""),
                name="partner_unique_partner_id",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in one partner. A person belongs to at most one partner."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partner")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["partner", "user__username"]
        indexes = [models.Index(fields=["partner", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"


class Seller(models.Model):
    """A Microsoft seller, with the territory that leads are routed by."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="seller",
        verbose_name=_("user"),
    )
    countries = CountryField(_("countries"), multiple=True, blank=True)
    solution_areas = models.JSONField(_("solution areas"), default=list, blank=True)
    is_sa_team = models.BooleanField(_("solution assessment team"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Microsoft seller")
        verbose_name_plural = _("Microsoft sellers")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)

    def covers(self, country: str, solution_areas) -> bool:
        """Whether the territory covers a customer country and one of the solution areas."""
        if country not in {c.code for c in self.countries}:
            return False
        if not solution_areas:
            return True
        return bool(set(solution_areas) & set(self.solution_areas))

    def get_solution_areas_display(self) -> list[str]:
        labels = dict(SolutionArea.choices)
        return [str(labels.get(code, code)) for code in self.solution_areas]
