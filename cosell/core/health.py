"""``GET /healthz``: the database and the broker answer, or 503 naming what is down."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

log = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=2,
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        if conn.transport_cls in ("redis", "rediss") or settings.CELERY_BROKER_URL.startswith(
            "redis"
        ):
            conn.default_channel.client.ping()


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
def healthz(request):
    results, down = {}, []
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "down"; the reason goes to the log
            log.warning("health check %s failed: %s", name, exc)
            results[name] = "down"
            down.append(name)
    body = {"status": "down" if down else "ok", "checks": results}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)
