"""The outbox survives a broker outage: the change commits, the periodic job delivers later."""

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from cosell import celery_app
from cosell.core import clock, periodic
from cosell.webhooks import outbox
from cosell.webhooks.models import OutboxEvent, WebhookDelivery

pytestmark = pytest.mark.django_db


def _reset_broker_connections():
    # Forget (not close: kombu keeps its pools in a registry) the pools made for the old URL.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker():
    """The broker is a Redis port nobody listens on, and tasks really go to it."""
    saved = celery_app.conf.broker_url
    _reset_broker_connections()
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.broker_url = saved
    celery_app.conf.task_always_eager = True
    _reset_broker_connections()


def test_commit_with_the_broker_down_loses_nothing(
    endpoint, receiver, partner, dead_broker, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        [event] = outbox.emit(
            event_type="lead.created",
            subject=partner,
            recipients={partner.pk: {"name": partner.name}},
            at=clock.now(),
        )
    # The change committed and the caller was not held up or failed by the outage.
    assert time.monotonic() - started < 5
    assert receiver.requests == []
    assert OutboxEvent.objects.get().dispatched_at is None

    # Redis and the worker are back; beat runs the job.
    celery_app.conf.task_always_eager = True
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", "--at", clock.now().isoformat(), stdout=out)
    assert "webhooks.dispatch" in out.getvalue()
    [request] = receiver.requests
    assert request.event_id == str(event.pk)
    assert request.signed_with(endpoint.secret)
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED

    # Once more for the same instant: nothing is sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", "--at", clock.now().isoformat(), stdout=StringIO())
    assert len(receiver.requests) == 1


def test_publish_failure_is_logged_not_raised(dead_broker, caplog):
    from cosell.webhooks import tasks

    assert outbox.publish(tasks.outbox_dispatch, ["00000000-0000-0000-0000-000000000000"]) is False
    assert "could not queue" in caplog.text


def test_the_dispatch_job_is_registered_and_scheduled(settings):
    assert "webhooks.dispatch" in periodic.jobs()
    assert "webhooks.dispatch" in settings.PERIODIC_JOB_SCHEDULES
