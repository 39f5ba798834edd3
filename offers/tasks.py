"""Celery tasks of offers: thin, by primary key, each calling one service."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from cosell.core import clock
from cosell.partners.mail import mail_people, partner_admins

from .models import Offer


@shared_task(name="offers.offer_status_evaluate_task")
def offer_status_evaluate_task(offer_id: int, actor_id: int | None = None, cause: str = ""):
    """Apply the status engine to one offer (after a change that can matter)."""
    from . import services

    if not Offer.objects.filter(pk=offer_id).exists():
        return None
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    job = "offers.status_evaluate" + (f" ({cause})" if cause else "")
    offer = services.offer_status_evaluate(offer_id=offer_id, now=clock.now(), actor=actor, job=job)
    return offer.co_sell_status


@shared_task(name="offers.partner_offers_evaluate_task")
def partner_offers_evaluate_task(partner_id: int) -> int:
    """Re-evaluate one partner's offers after its figures changed."""
    from . import services

    return services.offers_reevaluate_all(now=clock.now(), partner_id=partner_id)


@shared_task(name="offers.offer_status_notify")
def offer_status_notify(
    offer_id: int, from_status: str, to_status: str, requirement: str = "", direction: str = ""
) -> int:
    """Mail the partner's admins that an offer's co-sell status moved."""
    from .status_engine import evaluate

    offer = Offer.objects.select_related("partner").filter(pk=offer_id).first()
    if offer is None:
        return 0
    recipients = list(partner_admins(offer.partner_id))
    if not recipients:
        return 0
    evaluation = evaluate(
        offer,
        offer.partner,
        offer.documents.values_list("kind", flat=True),
        offer.contacts.values_list("role", flat=True),
    )
    decider = next((r for r in evaluation.checklist if r.code == requirement), None)
    labels = dict(Offer._meta.get_field("co_sell_status").choices)
    context = {
        "offer": offer,
        "from_label": labels.get(from_status, from_status),
        "to_label": labels.get(to_status, to_status),
        "direction": direction,
        "requirement": decider,
        "next_missing": evaluation.next_missing(),
        "link": settings.COSELL_BASE_URL + reverse("offers:detail", args=[offer.pk]),
    }
    return mail_people(
        recipients,
        subject_template="offers/mail/status_changed_subject.txt",
        body_template="offers/mail/status_changed.txt",
        context=context,
    )
