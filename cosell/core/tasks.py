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


def _instant(at: str | None):
    return clock.parse_instant(at) if at else clock.now()


@shared_task(name="cosell.core.tasks.effect_run")
def effect_run(effect_id: int, at: str | None = None) -> str:
    """Run one recorded side effect (``cosell.core.effects``), unless it is done or taken."""
    from . import effects

    return effects.run(effect_id, _instant(at))


@shared_task(name="cosell.core.tasks.effects_run")
def effects_run(effect_ids: list[int], at: str | None = None) -> dict[str, int]:
    """``effect_run`` for a batch; each effect is claimed, run and marked on its own."""
    from . import effects

    now = _instant(at)
    outcomes: dict[str, int] = {}
    for effect_id in effect_ids:
        outcome = effects.run(effect_id, now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="cosell.core.tasks.background_job_run")
def background_job_run(job_id: int) -> str:
    """Run one background job (``cosell.core.background``), unless it is running or done."""
    from . import background

    return background.run(job_id)
