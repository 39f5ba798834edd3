"""Labels for the codes the audit trail stores, so history reads in the reader's language.

The trail keeps stable codes (verbs, states); pages show them through these labels. Apps register
their state choices in ``AppConfig.ready``; the first label registered for a code wins.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

VERBS = {
    "created": _("Created"),
    "updated": _("Updated"),
    "deleted": _("Deleted"),
    "sent": _("Sent"),
    "accepted": _("Accepted"),
    "declined": _("Declined"),
    "expired": _("Expired"),
    "withdrawn": _("Withdrawn"),
    "reminded": _("Reminder sent"),
    "reassigned": _("Reassigned"),
    "invited": _("Partner invited"),
    "upgraded": _("Category upgraded"),
    "closed": _("Closed"),
    "stage_changed": _("Stage changed"),
    "team_added": _("Joined the team"),
    "lead_accepted": _("Lead accepted"),
    "co_sell_status_changed": _("Co-sell status changed"),
    "badge_changed": _("Badge changed"),
    "technical_validation_changed": _("Technical validation changed"),
    "technical_validation_submitted": _("Submitted for technical validation"),
    "technical_validation_passed": _("Technical validation passed"),
    "technical_validation_failed": _("Technical validation failed"),
    "facts_changed": _("Figures measured by Microsoft recorded"),
    "deal_type_changed": _("Deal type changed"),
    "help_requested": _("Microsoft's help requested"),
    "archived": _("Archived"),
    "document_uploaded": _("Document uploaded"),
    "document_deleted": _("Document deleted"),
    "contact_added": _("Contact added"),
    "contact_deleted": _("Contact removed"),
    "contacts_imported": _("Contacts imported"),
    "member_invited": _("Member invited"),
    "member_role_changed": _("Member role changed"),
    "member_removed": _("Member removed"),
    "figures_changed": _("Partner figures changed"),
    "failing": _("Endpoint failing"),
    "recovered": _("Endpoint recovered"),
    "delivery_resent": _("Delivery re-sent"),
    "test_sent": _("Test event sent"),
    "revoked": _("Revoked"),
    # deal registrations and exception requests
    "review_requested": _("Sent for manual review"),
    "approved": _("Approved"),
    "review_passed": _("Review passed"),
    "review_failed": _("Review failed"),
    "action_requested": _("Action requested"),
    "resubmitted": _("Resubmitted"),
    "customer_account_set": _("Customer account set"),
    "customer_account_confirmed": _("Customer account confirmed"),
    "granted": _("Granted"),
    "denied": _("Denied"),
}

# Who acted when no person did: the jobs, in words.
JOBS = {
    "offers.status_evaluate": _("the portal's co-sell status check"),
    "offers.reevaluate_all": _("the nightly co-sell status check"),
    "offers.badge_propagate": _("the badge propagation run"),
    "admin.reevaluate": _("an administrator's re-evaluation"),
    "demo.seed": _("the demo data"),
    "leads.expire": _("the lead expiry run"),
    "leads.remind": _("the lead reminder run"),
    "leads.archive_marketplace": _("the marketplace lead archive run"),
    "webhooks.delivery": _("webhook delivery"),
}

# Reasons the services record as codes.
REASONS = {"opportunity_closed": _("The opportunity was closed.")}

_STATES: dict[str, str] = {}


def register_states(*choices: type[models.Choices]) -> None:
    for choice_class in choices:
        for value, label in choice_class.choices:
            _STATES.setdefault(str(value), label)


def verb_label(code: str) -> str:
    return str(VERBS.get(code, code.replace("_", " ")))


def state_label(code: str) -> str:
    if not code:
        return ""
    return str(_STATES.get(code, code.replace("_", " ")))


def reason_label(text: str) -> str:
    """A reason code in the reader's language; free text stays as written."""
    if text in REASONS:
        return str(REASONS[text])
    return str(_STATES.get(text, text))


def job_label(code: str) -> str:
    """A job in the reader's language (never its code on a page)."""
    if not code:
        return str(_("the portal"))
    return str(JOBS.get(code, _("the portal")))
