"""The audit trail as sentences in the reader's language: "Ada Lovelace moved the sales stage
from Created to Qualified." Verbs without a sentence of their own read "Who: what, from A to B."
Codes (verbs, states, reasons) and job names never reach the page: each goes through a label.
"""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .labels import reason_label, state_label, verb_label

# Sentences of their own for the verbs people meet most; %(who)s, %(from)s and %(to)s.
SENTENCES = {
    "created": _("%(who)s created it."),
    "updated": _("%(who)s changed its details."),
    "stage_changed": _("%(who)s moved the sales stage from %(from)s to %(to)s."),
    "closed": _("%(who)s closed it: %(to)s."),
    "sent": _("%(who)s sent it."),
    "accepted": _("%(who)s accepted it."),
    "declined": _("%(who)s declined it."),
    "expired": _("It expired without an answer (%(who)s)."),
    "withdrawn": _("%(who)s withdrew it."),
    "reminded": _("%(who)s sent a reminder."),
    "team_added": _("%(who)s joined the team."),
    "lead_accepted": _("%(who)s accepted the lead and completed the deal."),
    "reassigned": _("%(who)s passed it to another seller."),
    "upgraded": _("%(who)s upgraded it from %(from)s to %(to)s."),
    "help_requested": _("%(who)s asked Microsoft for help."),
    "archived": _("%(who)s archived it: no answer was needed."),
}
FROM_TO = _("%(who)s: %(what)s, from %(from)s to %(to)s.")
TO_ONLY = _("%(who)s: %(what)s (%(to)s).")
PLAIN = _("%(who)s: %(what)s.")
REASON = _("Reason: %(reason)s")


def sentence(event) -> str:
    """One audit event as a sentence (with its reason after it when there is one)."""
    values = {
        "who": event.who,
        "what": verb_label(event.verb),
        # Audit events read each code as their subject means it ("pending" badge or review).
        "from": getattr(event, "from_state_label", None) or state_label(event.from_state),
        "to": getattr(event, "to_state_label", None) or state_label(event.to_state),
    }
    template = SENTENCES.get(event.verb)
    if template is None or (
        ("%(from)s" in str(template) and not event.from_state)
        or ("%(to)s" in str(template) and not event.to_state)
    ):
        if event.from_state and event.to_state:
            template = FROM_TO
        elif event.to_state:
            template = TO_ONLY
        else:
            template = PLAIN
    text = capfirst(str(template) % values)
    reason = (
        getattr(event, "reason_display", None)
        or getattr(event, "reason_label", None)
        or reason_label(event.reason or "")
    )
    if reason:
        text += " " + str(REASON) % {"reason": reason}
    return text
