"""The fixed cost of an authenticated API request: ``GET /api/v1/me/`` with an API token.

The bare app answers the same path with the portal's own JSON body, captured once (no database,
no framework): the difference is what every API request pays before and after its own work
(middleware, token authentication, throttling, the view, the serializer, the renderer). A
profile of the same request through the portal's WSGI handler, in this process, says where
that time goes (``bench/results/profile-me.txt``).
"""

import cProfile
import io
import json
import pstats
import time
from pathlib import Path

from .common import RESULTS

PATH = "/api/v1/me/"
BODIES_FILE = RESULTS / "bare_bodies.json"
PROFILE_FILE = RESULTS / "profile-me.txt"
# Where the time goes: cumulative time of these functions, per request (a function called inside
# another listed one is counted in both).
PARTS = {
    "middleware and handler (whole request)": ("django/core/handlers/base.py", "get_response"),
    "token authentication": ("cosell/core/authentication.py", "authenticate"),
    "throttles": ("rest_framework/views.py", "check_throttles"),
    "permissions": ("rest_framework/views.py", "check_permissions"),
    "the view (serializer)": ("cosell/partners/api.py", "get"),
    "rendering JSON": ("rest_framework/renderers.py", "render"),
    "response finalising (DRF)": ("rest_framework/views.py", "finalize_response"),
    "SQL (psycopg execute)": ("psycopg/cursor.py", "execute"),
    "Redis commands": ("redis/client.py", "execute_command"),
    "session middleware": ("django/contrib/sessions/middleware.py", "process_response"),
    "locale middleware": ("django/middleware/locale.py", "process_request"),
    "CSRF middleware": ("django/middleware/csrf.py", "process_view"),
    "CSP middleware": ("csp/middleware.py", "process_response"),
    "axes middleware": ("axes/middleware.py", "__call__"),
}


def prepare(headers: dict[str, str]) -> dict[str, str]:
    """Capture the portal's answer; write the bare app's bodies file; return its env."""
    from .run import capture

    result = capture(PATH, headers)
    if result["status"] != 200:
        raise RuntimeError(f"{PATH} answered {result['status']}: {result['body'][:300]!r}")
    BODIES_FILE.write_text(json.dumps({PATH: result["body"].decode()}))
    return {"BENCH_BARE_BODIES": str(BODIES_FILE), "queries": len(result["all"])}


def run(results, headers: dict[str, str], runs: int, *, queries: int) -> dict:
    from .run import time_pair

    portal, bare = time_pair(PATH, headers, runs)
    return results.add(
        "fixed cost: GET /api/v1/me/ (token) vs the same JSON",
        portal,
        bare,
        None,
        path=PATH,
        queries=queries,
    )


def _environ(path: str, headers: dict[str, str]) -> dict:
    from django.test import RequestFactory

    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    path, _, query = path.partition("?")
    return RequestFactory()._base_environ(
        PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD="GET", REMOTE_ADDR="127.0.0.1", **extra
    )


def profile(
    headers: dict[str, str], requests: int = 500, path: str = PATH, output: Path = PROFILE_FILE
) -> dict:
    """Time ``requests`` requests through the WSGI handler, then profile as many; write the
    profile's top functions and the parts' shares; return them."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    statuses = []

    def start_response(status, response_headers, exc_info=None):
        statuses.append(status)

    def one():
        body = handler(_environ(path, headers), start_response)
        b"".join(body)
        body.close()

    for _ in range(20):
        one()
    started = time.perf_counter()
    for _ in range(requests):
        one()
    plain = (time.perf_counter() - started) / requests
    if any(not status.startswith("200") for status in statuses):
        raise RuntimeError(f"{path} answered {set(statuses)} in process")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        one()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[3] for key, row in stats.stats.items() if key[2] == "one") / requests

    parts = {}
    for label, (file_part, function) in PARTS.items():
        cumulative = sum(
            row[3]
            for (filename, _line, name), row in stats.stats.items()
            if name == function and filename.endswith(file_part)
        )
        parts[label] = round(cumulative / requests * 1e6)  # microseconds per request
    out = io.StringIO()
    out.write(
        f"{path} through cosell.wsgi's handler in one process, {requests} requests: "
        f"{plain * 1e6:.0f} us each without the profiler, {total * 1e6:.0f} us with it.\n\n"
        "Cumulative time per request under the profiler (us; nested parts count twice):\n"
    )
    for label, micros in parts.items():
        out.write(f"  {label:<42} {micros:>6}\n")
    out.write("\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    Path(output).write_text(out.getvalue())
    return {
        "in_process_us": round(plain * 1e6),
        "profiled_us": round(total * 1e6),
        "parts_us": parts,
    }
