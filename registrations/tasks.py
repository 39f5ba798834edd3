"""Mail about deal registrations, sent after commit. Thin: re-read the row, skip when the state
moved on."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from cosell.partners.mail import mail_people, partner_admins

TRANSIENT = (SMTPException, ConnectionError, TimeoutError)
TASK = {"autoretry_for": TRANSIENT, "retry_backoff": True, "max_retries": 5}


def reviewers():
    return get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")


def _mail(users, event: str, opportunity, **context) -> int:
    from .models import DealRegistration

    registration = DealRegistration.objects.filter(opportunity=opportunity).first()
    path = (
        reverse("registrations:review_queue")
        if event in {"review_requested", "exception_requested", "reviewers_reminder"}
        else reverse("registrations:register", args=[opportunity.pk])
    )
    return mail_people(
        users,
        subject_template="registrations/mail/subject.txt",
        body_template="registrations/mail/body.txt",
        context={
            "event": event,
            "opportunity": opportunity,
            "registration": registration,
            "link": settings.COSELL_BASE_URL + path,
            **context,
        },
    )


@shared_task(name="registrations.notify_reviewers", **TASK)
def notify_reviewers(registration_id: int) -> int:
    """Tell the reviewers that a registration waits for them."""
    from .models import DealRegistration

    registration = (
        DealRegistration.objects.select_related("opportunity").filter(pk=registration_id).first()
    )
    if registration is None or registration.state != DealRegistration.State.REVIEW_PENDING:
        return 0
    return _mail(reviewers(), "review_requested", registration.opportunity)


@shared_task(name="registrations.notify_partner", **TASK)
def notify_partner(registration_id: int, state: str) -> int:
    """Tell the partner's admins (and who registered) what the reviewers decided."""
    from .models import DealRegistration

    registration = (
        DealRegistration.objects.select_related("opportunity", "registered_by")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or registration.state != state:
        return 0
    people = {user.pk: user for user in partner_admins(registration.opportunity.partner_id)}
    if registration.registered_by is not None:
        people[registration.registered_by.pk] = registration.registered_by
    return _mail(people.values(), state, registration.opportunity)


@shared_task(name="registrations.notify_reviewers_of_exception", **TASK)
def notify_reviewers_of_exception(exception_id: int) -> int:
    from .models import ExceptionRequest

    request = ExceptionRequest.objects.select_related("opportunity").filter(pk=exception_id).first()
    if request is None or request.state != ExceptionRequest.State.PENDING:
        return 0
    return _mail(reviewers(), "exception_requested", request.opportunity)


@shared_task(name="registrations.notify_partner_of_exception", **TASK)
def notify_partner_of_exception(exception_id: int) -> int:
    from .models import ExceptionRequest

    request = ExceptionRequest.objects.select_related("opportunity").filter(pk=exception_id).first()
    if request is None or request.state == ExceptionRequest.State.PENDING:
        return 0
    return _mail(
        partner_admins(request.opportunity.partner_id),
        f"exception_{request.state}",
        request.opportunity,
        message=request.reviewer_message,
    )


@shared_task(name="registrations.remind_window", **TASK)
def remind_window(opportunity_ids: list[int]) -> int:
    """Remind partner admins that won deals' registration windows close soon."""
    from opportunities.deals.models import Opportunity

    from . import eligibility

    sent = 0
    for opportunity in Opportunity.objects.filter(pk__in=opportunity_ids, registration=None):
        sent += _mail(
            partner_admins(opportunity.partner_id),
            "window_closing",
            opportunity,
            closes=eligibility.window_closes(opportunity),
        )
    return sent


@shared_task(name="registrations.remind_reviewers", **TASK)
def remind_reviewers(count: int) -> int:
    """Remind the reviewers of requests waiting longer than the working days allowed."""
    from .models import DealRegistration, ExceptionRequest

    waiting = DealRegistration.objects.filter(state=DealRegistration.State.REVIEW_PENDING).count()
    waiting += ExceptionRequest.objects.filter(state=ExceptionRequest.State.PENDING).count()
    if not waiting:
        return 0
    return mail_people(
        reviewers(),
        subject_template="registrations/mail/subject.txt",
        body_template="registrations/mail/body.txt",
        context={
            "event": "reviewers_reminder",
            "overdue": count,
            "waiting": waiting,
            "link": settings.COSELL_BASE_URL + reverse("registrations:review_queue"),
        },
    )
