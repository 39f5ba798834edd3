"""The choices and limits of a deal (an opportunity): categories, stages, reasons."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


# Categories whose creation needs a co-sell-ready offer of the partner (and which are shared
# with Microsoft through a lead).
CO_SELL_CATEGORIES = frozenset({Category.MICROSOFT, Category.SOLUTION_ASSESSMENT})


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
