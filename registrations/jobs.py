"""Periodic jobs of deal registration. Each takes ``now``, selects what is due in one query,
marks it in one transaction and mails after commit; run twice for one instant, the second run
changes nothing."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from cosell.core import effects, periodic
from opportunities.deals.models import Opportunity

from . import eligibility, tasks
from .models import DealRegistration, ExceptionRequest, WindowReminder

REMIND_DAYS_BEFORE = 7


@periodic.register("registrations.remind_window")
def remind_window(now: datetime) -> int:
    """Partner admins hear of each eligible won deal whose registration window closes within 7
    days (once per deal). The window counts from the won date, the signing date the form
    proposes."""
    window = settings.REGISTRATION_WINDOW_DAYS
    today = now.date()
    # Won between `window` and `window - 7` days ago: the window closes within 7 days.
    earliest = today - timedelta(days=window)
    latest = today - timedelta(days=window - REMIND_DAYS_BEFORE)
    due = (
        Opportunity.objects.filter(
            status=Opportunity.Status.WON,
            closed_at__date__gte=earliest,
            closed_at__date__lte=latest,
            registration__isnull=True,
        )
        .exclude(Q(pk__in=WindowReminder.objects.values("opportunity_id")))
        .select_related("partner")
    )
    chosen = []
    for opportunity in due:
        rules = eligibility.checklist(opportunity, now=now)
        if not eligibility.unmet(rules):
            chosen.append(opportunity.pk)
    if not chosen:
        return 0
    with transaction.atomic():
        WindowReminder.objects.bulk_create(
            [WindowReminder(opportunity_id=pk, sent_at=now) for pk in chosen],
            ignore_conflicts=True,
        )
        effects.queue(tasks.remind_window, chosen)
    return len(chosen)


def _overdue(queryset, started_field: str, now: datetime) -> list[int]:
    from .services import working_days_between

    limit = settings.REGISTRATION_REVIEW_REMIND_WORKING_DAYS
    # Working days are at most calendar days: only rows older than `limit` days can be due.
    candidates = queryset.filter(
        reviewers_reminded_at__isnull=True,
        **{f"{started_field}__lte": now - timedelta(days=limit)},
    ).values_list("pk", started_field)
    return [pk for pk, since in candidates if working_days_between(since, now) > limit]


@periodic.register("registrations.remind_reviewers")
def remind_reviewers(now: datetime) -> int:
    """Reviewers hear of registrations and exception requests waiting longer than 10 working
    days (Microsoft answers within 14); each request once per wait."""
    with transaction.atomic():
        registrations = _overdue(
            DealRegistration.objects.select_for_update().filter(
                state=DealRegistration.State.REVIEW_PENDING
            ),
            "review_requested_at",
            now,
        )
        exceptions = _overdue(
            ExceptionRequest.objects.select_for_update().filter(
                state=ExceptionRequest.State.PENDING
            ),
            "created_at",
            now,
        )
        DealRegistration.objects.filter(pk__in=registrations).update(reviewers_reminded_at=now)
        ExceptionRequest.objects.filter(pk__in=exceptions).update(reviewers_reminded_at=now)
        count = len(registrations) + len(exceptions)
        if count:
            effects.queue(tasks.remind_reviewers, count)
    return count
