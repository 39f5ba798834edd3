"""Side effects recorded with their change: committed with it, run once, retried when lost."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction

from cosell.core import clock, effects, periodic
from cosell.core.models import PendingEffect
from cosell.partners import tasks as partner_tasks
from cosell.partners.models import Membership
from cosell.partners.services import member_invite

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _invite(partner, partner_admin, email="nina@contoso.example") -> Membership:
    return member_invite(partner=partner, inviter=partner_admin, email=email, now=clock.now())


def test_an_effect_commits_with_its_change_and_runs_once(
    partner, partner_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(partner, partner_admin)
    [message] = mail.outbox
    assert message.to == ["nina@contoso.example"]
    assert "X-Cosell-Possible-Duplicate" not in message.extra_headers
    effect = PendingEffect.objects.get()
    assert (effect.task, effect.args, effect.status) == (
        "partners.member_send_invitation",
        [membership.pk],
        PendingEffect.Status.DONE,
    )
    # The broker delivers it again, the periodic job runs: nobody is mailed twice.
    assert effects.run(effect.pk) == "skipped"
    periodic.run("effects.deliver", clock.now() + timedelta(hours=1))
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_leaves_no_effect(partner, partner_admin):
    with pytest.raises(RuntimeError), transaction.atomic():
        _invite(partner, partner_admin)
        raise RuntimeError("the change fails after queueing")
    assert not PendingEffect.objects.exists()
    assert mail.outbox == []


def test_what_the_broker_never_took_is_delivered_by_the_periodic_job(partner, partner_admin):
    # No commit callbacks run here: as if the broker had been down at commit.
    _invite(partner, partner_admin)
    effect = PendingEffect.objects.get()
    now = clock.now()
    # Right after commit the job leaves it to the publish in flight.
    assert periodic.run("effects.deliver", now) == 0
    assert periodic.run("effects.deliver", now + effects.PUBLISH_GRACE) == 1
    assert len(mail.outbox) == 1
    effect.refresh_from_db()
    assert effect.status == PendingEffect.Status.DONE and effect.attempts == 1


def test_a_worker_that_died_mid_effect_is_replaced_and_the_mail_says_it_may_be_a_duplicate(
    partner, partner_admin, settings
):
    _invite(partner, partner_admin)
    effect = PendingEffect.objects.get()
    now = clock.now()
    # A worker claimed it, sent nothing we know of, and was killed (kill -9): no mark.
    assert effects._claim(effect.pk, now) is not None
    assert effects.run(effect.pk, now) == "skipped"  # another worker leaves the claim alone
    assert periodic.run("effects.deliver", now + timedelta(minutes=1)) == 0
    after_claim = now + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    assert periodic.run("effects.deliver", after_claim) == 1
    [message] = mail.outbox
    assert message.extra_headers["X-Cosell-Possible-Duplicate"] == "yes"
    assert message.body.startswith("This message may be a duplicate")


def test_a_failing_effect_backs_off_then_gives_up(partner, partner_admin, settings, monkeypatch):
    settings.COSELL_EFFECT_MAX_ATTEMPTS = 2
    _invite(partner, partner_admin)
    effect = PendingEffect.objects.get()

    def broken(*args, **kwargs):
        raise ConnectionError("SMTP is away")

    monkeypatch.setattr(partner_tasks.member_send_invitation, "run", broken)
    now = clock.now()
    assert effects.run(effect.pk, now) == "retry"
    effect.refresh_from_db()
    assert effect.status == PendingEffect.Status.PENDING
    assert effect.next_try_at == now + timedelta(seconds=30)
    assert "SMTP is away" in effect.last_error
    assert effects.run(effect.pk, now) == "skipped"  # backing off
    assert effects.run(effect.pk, now + timedelta(seconds=30)) == "gave_up"
    effect.refresh_from_db()
    assert effect.status == PendingEffect.Status.GAVE_UP and effect.attempts == 2


def test_publishing_never_raises_into_the_caller(django_capture_on_commit_callbacks, caplog):
    from cosell import celery_app

    saved = celery_app.conf.broker_url
    celery_app._pool = celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            effect = effects.queue(partner_tasks.member_send_invitation, 0)
        # The commit callback ran, failed to publish, logged it and said nothing to us.
        assert "could not queue cosell.core.tasks.effect_run" in caplog.text
        assert PendingEffect.objects.get(pk=effect.pk).status == PendingEffect.Status.PENDING
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved, True
        celery_app._pool = celery_app.amqp._producer_pool = None


def test_no_service_queues_a_task_itself():
    """Side effects leave services through ``cosell.core.effects`` only (STYLE.md)."""
    offenders = []
    for path in [*ROOT.glob("*/services.py"), *ROOT.glob("*/services/*.py")]:
        offenders += [path.name for _ in re.finditer(r"\.(delay|apply_async)\(", path.read_text())]
    for path in [
        *ROOT.glob("cosell/*/services.py"),
        *ROOT.glob("*/apps.py"),
        *ROOT.glob("cosell/*/apps.py"),
    ]:
        offenders += [path.name for _ in re.finditer(r"\.(delay|apply_async)\(", path.read_text())]
    assert offenders == []
