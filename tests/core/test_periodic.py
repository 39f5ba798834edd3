from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from cosell.core import clock, periodic
from cosell.core.tasks import run_periodic_job

pytestmark = pytest.mark.django_db


def make_session(expires):
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expires)
    return store.session_key


def run(at: str) -> str:
    out = StringIO()
    call_command("run_periodic", "--at", at, stdout=out)
    return out.getvalue()


def test_run_periodic_runs_every_job_for_the_instant_and_is_idempotent():
    at = clock.parse_instant("2026-12-01T09:00:00Z")
    old = make_session(at - timedelta(minutes=1))
    fresh = make_session(at + timedelta(days=1))

    first = run("2026-12-01T09:00:00Z")
    for name in periodic.jobs():
        assert name in first
    assert not Session.objects.filter(session_key=old).exists()
    assert Session.objects.filter(session_key=fresh).exists()

    state = sorted(Session.objects.values_list("session_key", flat=True))
    second = run("2026-12-01T09:00:00Z")
    assert "sessions.clear_expired @ 2026-12-01T09:00:00+00:00: 0" in second
    assert sorted(Session.objects.values_list("session_key", flat=True)) == state


def test_run_periodic_refuses_a_bad_instant_and_unknown_jobs():
    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("run_periodic", "--at", "next tuesday")
    with pytest.raises(CommandError, match="unknown job"):
        call_command("run_periodic", "--job", "nope")


def test_beat_runs_the_same_jobs():
    scheduled = {entry["args"][0] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == set(periodic.jobs())
    assert all(
        entry["task"] == "cosell.core.tasks.run_periodic_job"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_the_beat_task_runs_a_job_for_a_given_instant():
    old = make_session(clock.parse_instant("2026-01-01T00:00:00Z"))
    assert run_periodic_job.delay("sessions.clear_expired", "2026-01-02T00:00:00Z").get() == 1
    assert not Session.objects.filter(session_key=old).exists()
