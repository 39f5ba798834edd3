"""The kernel's own periodic jobs."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session

from . import periodic

LOGIN_LOG_RETENTION = timedelta(days=90)


@periodic.register("sessions.clear_expired")
def sessions_clear_expired(now: datetime) -> int:
    """Delete sessions that expired before ``now``."""
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


@periodic.register("login_attempts.purge")
def login_attempts_purge(now: datetime) -> int:
    """Forget failed logins older than the lock-out window, and login logs after 90 days."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    deleted, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME
    ).delete()
    for model in (AccessFailureLog, AccessLog):
        count, _ = model.objects.filter(attempt_time__lt=now - LOGIN_LOG_RETENTION).delete()
        deleted += count
    return deleted


@periodic.register("effects.deliver")
def effects_deliver(now: datetime) -> int:
    """Publish the side effects the broker did not take (it was down at commit), a worker did
    not finish (it died), or whose back-off ended. Run twice for one instant, the second run
    publishes them again, and each is still run once: the worker claims before it runs."""
    from . import effects

    return effects.deliver_due(now)
