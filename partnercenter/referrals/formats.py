"""Partner Center's date-times: UTC, ISO 8601 with a Z; a date is its midnight."""

from datetime import UTC, date, datetime


def instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(value: date | None) -> str | None:
    return f"{value.isoformat()}T00:00:00Z" if value else None
