"""The reminders across time, run the way operators run them: ``run_periodic --at``."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command

from registrations import services
from registrations.models import DealRegistration

from .conftest import NOW, WON_AT, form


def run(job, at):
    call_command("run_periodic", "--job", job, "--at", at.isoformat())


def test_partner_admins_hear_of_a_window_closing_within_7_days_once(
    deal, partner_admin, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run("registrations.remind_window", WON_AT + timedelta(days=52))  # closes in 8 days
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        run("registrations.remind_window", WON_AT + timedelta(days=53))  # closes in 7 days
    assert [m.to for m in mail.outbox] == [[partner_admin.email]]
    assert deal.name in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        run("registrations.remind_window", WON_AT + timedelta(days=53))
        run("registrations.remind_window", WON_AT + timedelta(days=55))
    assert len(mail.outbox) == 1  # once per deal


def test_a_registered_or_ineligible_deal_gets_no_window_reminder(
    deal, partner_admin, django_capture_on_commit_callbacks
):
    services.registration_create(opportunity_id=deal.pk, actor=partner_admin, now=NOW, **form())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run("registrations.remind_window", WON_AT + timedelta(days=55))
    assert mail.outbox == []


def test_reviewers_hear_of_requests_waiting_more_than_10_working_days(
    deal, partner_admin, admin_user, django_capture_on_commit_callbacks
):
    registration = services.registration_create(
        opportunity_id=deal.pk, actor=partner_admin, now=NOW, **form(pricing_model="pay_as_you_go")
    )
    assert registration.state == DealRegistration.State.REVIEW_PENDING
    requested = registration.review_requested_at  # a Saturday (NOW): Monday is working day 1
    assert requested.weekday() == 5
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run("registrations.remind_reviewers", requested + timedelta(days=15))  # Sunday: 10 days
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        run("registrations.remind_reviewers", requested + timedelta(days=16))  # Monday: 11
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    with django_capture_on_commit_callbacks(execute=True):
        run("registrations.remind_reviewers", requested + timedelta(days=17))
    assert len(mail.outbox) == 1  # once per wait


def test_working_days_skip_weekends():
    monday = WON_AT - timedelta(days=4)  # 2026-03-02 is a Monday
    assert monday.weekday() == 0
    assert services.working_days_between(monday, monday + timedelta(days=7)) == 5
    assert services.working_days_between(monday, monday + timedelta(days=14)) == 10
