"""The clock. Services and jobs take ``now`` as an argument; only entry points read the clock."""

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def now() -> datetime:
    return timezone.now()


def parse_instant(value: str) -> datetime:
    """Parse an ISO-8601 instant; a naive value is taken as UTC."""
    parsed = parse_datetime(value.strip())
    if parsed is None:
        raise ValueError(f"not an ISO-8601 date and time: {value!r}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.UTC)
    return parsed
