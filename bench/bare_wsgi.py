"""The physical limit of a read endpoint: the same SQL, run with psycopg, its rows as JSON.

Served by gunicorn with the settings the portal gets (``bench.run`` starts both). The SQL comes
from ``BENCH_BARE_QUERIES``: a JSON file mapping a request path (with its query string) to the
data-fetching SELECTs the portal issued for that same request, captured verbatim. No framework,
no authentication, no serializer: one persistent connection per worker, the rows of every
statement, ``json.dumps``.
"""

import json
import os

import psycopg

with open(os.environ["BENCH_BARE_QUERIES"]) as queries_file:
    QUERIES: dict[str, list[str]] = json.load(queries_file)
# Fixed answers (``BENCH_BARE_BODIES``: path -> the portal's JSON body), served as they are.
BODIES: dict[str, str] = {}
if os.environ.get("BENCH_BARE_BODIES"):
    with open(os.environ["BENCH_BARE_BODIES"]) as bodies_file:
        BODIES = json.load(bodies_file)
_connection: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        path += "?" + environ["QUERY_STRING"]
    if path in BODIES:
        body = BODIES[path].encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]
    statements = QUERIES.get(path)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"unknown request\n"]
    conn = connection()
    results = []
    for statement in statements:
        cursor = conn.execute(statement)
        names = [column.name for column in cursor.description]
        results.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    body = json.dumps(results, default=str).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
