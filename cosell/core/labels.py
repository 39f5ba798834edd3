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
# Codes that mean different things on different subjects ("pending": a badge, a technical
# validation, an exception request; "none": no badge, no ISV Connect tier; "other": a lost or an
# error reason), read by what moved them: (subject model label, verb or ""), and reasons by the
# state they led to.
_SUBJECT_STATES: dict[tuple[str, str], dict[str, str]] = {}
_REASONS_BY_STATE: dict[str, dict[str, str]] = {}


def register_states(*choices: type[models.Choices]) -> None:
    for choice_class in choices:
        for value, label in choice_class.choices:
            _STATES.setdefault(str(value), label)


def register_subject_states(
    model_label: str, *choices: type[models.Choices], verbs: tuple[str, ...] = ("",)
) -> None:
    """The states of ``model_label`` (``app_label.model``) that ``verbs`` move ("" for any
    verb of that subject): they win over the labels registered for every subject."""
    for verb in verbs:
        labels = _SUBJECT_STATES.setdefault((model_label, verb), {})
        for choice_class in choices:
            for value, label in choice_class.choices:
                labels.setdefault(str(value), label)
    register_states(*choices)


def register_reasons(choices: type[models.Choices], *to_states: str) -> None:
    """Reason codes recorded on moves to ``to_states`` (a lost deal's reason, an error's)."""
    for state in to_states:
        labels = _REASONS_BY_STATE.setdefault(state, {})
        for value, label in choices.choices:
            labels.setdefault(str(value), label)


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


def event_state_label(model_label: str, verb: str, code: str) -> str:
    """A state of an audit event in the reader's language, as its subject and verb mean it."""
    if not code:
        return ""
    for key in ((model_label, verb), (model_label, "")):
        label = _SUBJECT_STATES.get(key, {}).get(code)
        if label is not None:
            return str(label)
    return state_label(code)


def event_reason_label(to_state: str, reason: str) -> str:
    """An audit event's reason in the reader's language: the reason codes of the state it led
    to first, then any reason code; free text stays as written."""
    label = _REASONS_BY_STATE.get(to_state, {}).get(reason)
    if label is not None:
        return str(label)
    return reason_label(reason)


def job_label(code: str) -> str:
    """A job in the reader's language (never its code on a page)."""
    if not code:
        return str(_("the portal"))
    return str(JOBS.get(code, _("the portal")))
