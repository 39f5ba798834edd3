"""Bulk inserts for set-based jobs: PostgreSQL's COPY, or ``bulk_create`` elsewhere.

Django's ``bulk_create`` binds every column of every row as a parameter, and psycopg escapes
each JSON document in Python; for the audit events and outbox rows of a job batch that costs
more than the whole UPDATE. COPY streams the rows in one statement, formatted by psycopg's C
extension. It runs on the connection Django already holds, so it commits or rolls back with the
caller's ``transaction.atomic()``.
"""

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """``COPY model's table (columns) FROM STDIN`` with ``rows`` (tuples in ``columns``' order;
    JSON columns as text). Return the number of rows written. PostgreSQL only."""
    table = connection.ops.quote_name(model._meta.db_table)
    statement = (
        f"COPY {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN"
    )
    count = 0
    started = time.monotonic()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    if connection.queries_logged:
        # Visible to query counting (tests, debug toolbar) like any other statement.
        connection.queries_log.append(
            {"sql": f"{statement} -- {count} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
    return count
