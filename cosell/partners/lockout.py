"""Login lock-outs (django-axes) with one threshold and cool-off per kind of attack.

django-axes counts failures per parameter group but compares them all with one limit. Here
each group in ``settings.AXES_LOCKOUT_PARAMETERS`` has its own limit and cool-off
(``settings.COSELL_LOGIN_LIMITS``, in the same order):

- one account from one address (password guessing): the pair limit;
- one address across accounts (password spraying): the address limit;
- one account across addresses (a distributed guess at one account): the account limit.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def _failures(attempts, since) -> int:
    return (
        attempts.filter(attempt_time__gte=since).aggregate(total=Sum("failures_since_start"))[
            "total"
        ]
        or 0
    )


class LockoutHandler(AxesDatabaseHandler):
    def group_failures(self, request, credentials=None) -> list[tuple[int, int]]:
        """(failures within the group's cool-off, the group's limit), per group."""
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        groups = self.filter_user_attempts(request, credentials)
        return [
            (_failures(attempts, now - timedelta(minutes=cooloff)), limit)
            for attempts, (limit, cooloff) in zip(groups, settings.COSELL_LOGIN_LIMITS, strict=True)
        ]

    def get_failures(self, request, credentials=None) -> int:
        """What axes compares with ``AXES_FAILURE_LIMIT``: at least that limit once any group
        reached its own."""
        counts = self.group_failures(request, credentials)
        pair_failures = counts[0][0] if counts else 0
        if any(failures >= limit for failures, limit in counts):
            return max(settings.AXES_FAILURE_LIMIT, pair_failures)
        return min(pair_failures, settings.AXES_FAILURE_LIMIT - 1)
