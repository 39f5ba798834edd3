"""The Preferred solution badge's propagation calendar.

Badges are published in runs that fall due every ``BADGE_PROPAGATION_DAYS`` days from a fixed
epoch, so the date a pending badge will appear is known in advance and is never more than one
window away.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings

PROPAGATION_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def window() -> timedelta:
    return timedelta(days=max(1, int(settings.BADGE_PROPAGATION_DAYS)))


def next_propagation_run(now: datetime) -> datetime:
    """The first propagation run strictly after ``now`` (at most one window away)."""
    step = window()
    elapsed = now - PROPAGATION_EPOCH
    runs = elapsed // step  # floor division also holds before the epoch
    return PROPAGATION_EPOCH + (runs + 1) * step
