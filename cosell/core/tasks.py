import logging

from celery import shared_task

from . import clock, periodic

log = logging.getLogger(__name__)


@shared_task(name="cosell.core.tasks.run_periodic_job")
def run_periodic_job(name: str, at: str | None = None):
    """Run one periodic job for ``at`` (ISO-8601) or for the moment the task runs."""
    now = clock.parse_instant(at) if at else clock.now()
    result = periodic.run(name, now)
    log.info("periodic job %s for %s: %s", name, now.isoformat(), result)
    return result if isinstance(result, int | str | dict | list | None) else str(result)
