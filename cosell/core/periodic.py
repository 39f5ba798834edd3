"""Periodic jobs by name. Each takes ``now`` so any instant can be run (tests, demos, operators).

Apps register their jobs in ``AppConfig.ready``; beat runs each through
``cosell.core.tasks.run_periodic_job`` and ``manage.py run_periodic --at`` runs them all at once.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

Job = Callable[[datetime], Any]
_jobs: dict[str, Job] = {}


def register(name: str) -> Callable[[Job], Job]:
    def decorator(func: Job) -> Job:
        _jobs[name] = func
        return func

    return decorator


def jobs() -> dict[str, Job]:
    return dict(_jobs)


def run(name: str, now: datetime) -> Any:
    try:
        job = _jobs[name]
    except KeyError:
        raise KeyError(
            f"no periodic job named {name!r}; known: {', '.join(sorted(_jobs))}"
        ) from None
    return job(now)
