"""Mail about leads, sent after commit. Thin: re-read the row, skip when the state moved on."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from cosell.partners.mail import mail_people, partner_admins
from cosell.partners.models import Seller
from opportunities import rules
from opportunities.leads.models import Lead

TRANSIENT = (SMTPException, ConnectionError, TimeoutError)

# The lead status each mail is about; a lead that moved on gets no mail.
RECEIVER_EVENTS = {
    "received": Lead.Status.RECEIVED,
    "reminder": Lead.Status.RECEIVED,
    "withdrawn": Lead.Status.WITHDRAWN,
}
SENDER_EVENTS = {
    "accepted": Lead.Status.ACCEPTED,
    "declined": Lead.Status.DECLINED,
    "expired": Lead.Status.EXPIRED,
}


def _lead(lead_id: int) -> Lead | None:
    return (
        Lead.objects.select_related(
            "opportunity",
            "sender_partner",
            "sender_user",
            "receiver_partner",
            "receiver_seller__user",
            "answered_by",
            "offer",
        )
        .filter(pk=lead_id)
        .first()
    )


def receiver_users(lead: Lead) -> list:
    if lead.receiver == Lead.Receiver.PARTNER:
        return list(partner_admins(lead.receiver_partner_id))
    if lead.receiver_seller_id:
        return [lead.receiver_seller.user]
    # The shared queue: every active seller may take it.
    return [
        seller.user for seller in Seller.objects.filter(user__is_active=True).select_related("user")
    ]


def _send(lead: Lead, event: str, recipients: list) -> bool:
    if not recipients:
        return False
    link = settings.COSELL_BASE_URL + reverse("opportunities:lead_detail", args=[lead.pk])
    # The recipients are one party (the receiver's or the sender's people): the lead as the
    # first of them may see it is the lead as each may see it.
    seen = rules.lead_as_seen_by(lead, recipients[0])
    mailed = mail_people(
        recipients,
        subject_template="opportunities/mail/lead_subject.txt",
        body_template="opportunities/mail/lead.txt",
        context={"lead": seen, "event": event, "link": link},
    )
    return mailed > 0


@shared_task(
    name="opportunities.lead_notify_receiver",
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def lead_notify_receiver(lead_id: int, event: str) -> bool:
    """Tell the receiver of a new lead, remind them before it expires, or tell them that the
    sender withdrew it."""
    lead = _lead(lead_id)
    if lead is None or lead.status != RECEIVER_EVENTS.get(event):
        return False
    return _send(lead, event, receiver_users(lead))


@shared_task(
    name="opportunities.lead_notify_sender",
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def lead_notify_sender(lead_id: int, event: str) -> bool:
    """Tell the sender that their lead was accepted, declined or expired."""
    lead = _lead(lead_id)
    if lead is None or lead.status != SENDER_EVENTS.get(event):
        return False
    user = lead.sender_user
    if user is None:
        return False
    return _send(lead, event, [user])


@shared_task(name="opportunities.lead_notify_senders")
def lead_notify_senders(lead_ids: list[int], event: str) -> int:
    """``lead_notify_sender`` for a batch of leads (messages queued before side effects were
    recorded one per lead; jobs now use ``cosell.core.effects.queue_many``).

    A mail that fails for a transient reason is recorded as a side effect of its own, so a retry
    never resends the mails of the rest of the batch. Returns the number of mails sent.
    """
    from cosell.core import effects

    sent = 0
    for lead_id in lead_ids:
        try:
            sent += bool(lead_notify_sender.run(lead_id, event))
        except TRANSIENT:
            effects.queue(lead_notify_sender, lead_id, event)
    return sent
