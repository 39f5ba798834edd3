"""Background jobs: long work a person starts (CSV imports), run by the worker with progress.

An app registers a kind with its handler::

    @background.register("opportunities.import", title=_("Opportunities import"))
    def opportunities_import_job(job: BackgroundJob, progress: Progress) -> Outcome: ...

``background_job_start`` records the job and queues its run through ``effects.queue`` in the
same transaction: the web request answers at once with the job's address, and a job queued
while the broker is down is started by the periodic job ``effects.deliver``. The worker claims
the job (queued, or running but abandoned by a worker that died), runs the handler outside any
transaction of its own, and records the report (and the answer file, if any). A handler raises
``JobRejected`` for a whole-input problem (a bad file): the job fails with those errors. Any
other exception fails the job with a generic message; the run itself never raises, so a failed
job is not retried behind the person's back.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from . import clock, effects
from .errors import ValidationFailed
from .models import BackgroundJob

log = logging.getLogger(__name__)
Status = BackgroundJob.Status
# Progress is written at most this often (rows), so a 1,000-row file costs a few UPDATEs.
PROGRESS_EVERY = 100


class JobRejected(ValidationFailed):
    """The job's input as a whole cannot be processed (encoding, header, size)."""


@dataclass
class Outcome:
    """What a handler returns: the report (JSON), and optionally a file to download."""

    result: dict
    ok: bool = True
    filename: str = ""
    file: bytes = b""


@dataclass
class Kind:
    name: str
    handler: Callable
    title: str = ""
    # Templates that show the job's report on its page (``{"job": ..., "result": ...}``).
    template: str = "core/job_result.html"
    extra: dict = field(default_factory=dict)


REGISTRY: dict[str, Kind] = {}


def register(name: str, *, title: str = "", template: str = "core/job_result.html", **extra):
    def decorator(handler):
        REGISTRY[name] = Kind(name, handler, title or name, template, extra)
        return handler

    return decorator


def kind_of(job: BackgroundJob) -> Kind | None:
    return REGISTRY.get(job.kind)


class Progress:
    """Tells the job's page how far the handler got, every ``PROGRESS_EVERY`` rows and at each
    phase. Inside the handler's transaction (an apply) an UPDATE would only show at its commit,
    so it is written through a connection of its own, in autocommit."""

    def __init__(self, job: BackgroundJob):
        self.job = job
        self._written = -1
        self._side = None

    def __call__(self, done: int, total: int | None = None, *, phase: str | None = None) -> None:
        if total is not None:
            self.job.progress_total = total
        if phase is not None:
            self.job.phase = phase
        self.job.progress_done = done
        due = phase is not None or done - self._written >= PROGRESS_EVERY or done == total
        if not due:
            return
        self._written = done
        values = [self.job.progress_done, self.job.progress_total, self.job.phase, self.job.pk]
        statement = (
            "UPDATE core_backgroundjob SET progress_done = %s, progress_total = %s, phase = %s "
            "WHERE id = %s"
        )
        try:
            if not transaction.get_connection().in_atomic_block:
                with transaction.get_connection().cursor() as cursor:
                    cursor.execute(statement, values)
                return
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:
                cursor.execute(statement, values)
        except DatabaseError:  # progress is a courtesy: never fail the job for it
            log.warning("could not record the progress of job %s", self.job.pk, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def background_job_start(
    *,
    kind: str,
    user,
    partner_id: int | None,
    now: datetime,
    content: bytes = b"",
    filename: str = "",
    options: dict | None = None,
) -> BackgroundJob:
    """Record a job and queue its run after commit (through the effects table)."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown background job kind {kind!r}")
    from . import tasks

    # The job row is its own record (who, when, what, the outcome): no audit event, so a dry
    # run leaves the audit trail as it was.
    with transaction.atomic():
        job = BackgroundJob.objects.create(
            kind=kind,
            user=user,
            partner_id=partner_id,
            content=content,
            filename=(filename or "")[:200],
            options=options or {},
            created_at=now,
        )
        effects.queue(tasks.background_job_run, job.pk)
    return job


def _stale_after() -> timedelta:
    # A running job older than a task may run belongs to a worker that died.
    return timedelta(seconds=int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 360)) + 60)


def _claim(job_id: int, now: datetime) -> BackgroundJob | None:
    with transaction.atomic():
        job = (
            BackgroundJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id)
            .filter(
                Q(status=Status.QUEUED)
                | Q(status=Status.RUNNING, started_at__lt=now - _stale_after())
            )
            .first()
        )
        if job is None:
            return None
        job.status, job.started_at, job.attempts = Status.RUNNING, now, job.attempts + 1
        job.phase, job.progress_done = "", 0
        job.save(update_fields=["status", "started_at", "attempts", "phase", "progress_done"])
    return job


def run(job_id: int, now: datetime | None = None) -> str:
    """Run one job if it is ours to run (the task's body); returns its status, or "skipped"."""
    now = now or clock.now()
    job = _claim(job_id, now)
    if job is None:
        return "skipped"
    kind = kind_of(job)
    progress = Progress(job)
    try:
        if kind is None:
            raise RuntimeError(f"unknown background job kind {job.kind!r}")
        outcome = kind.handler(job, progress)
    except JobRejected as exc:
        _finish(job, Status.FAILED, result={"errors": exc.errors, "detail": exc.message})
    except Exception as exc:
        log.exception("background job %s (%s) failed", job.pk, job.kind)
        _finish(
            job,
            Status.FAILED,
            result={"errors": {"non_field_errors": [_("The job failed; nothing was written.")]}},
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    else:
        _finish(
            job,
            Status.SUCCEEDED,
            result={**outcome.result, "ok": outcome.ok},
            filename=outcome.filename,
            file=outcome.file,
        )
    finally:
        progress.close()
    return BackgroundJob.objects.values_list("status", flat=True).get(pk=job.pk)


def _finish(job, status, *, result, error="", filename="", file=b"") -> None:
    now = clock.now()
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=status,
        result=result,
        error=error,
        result_filename=filename[:200],
        result_file=file,
        progress_done=job.progress_total if status == Status.SUCCEEDED else job.progress_done,
        progress_total=job.progress_total,
        phase="",
        finished_at=now,
    )


def background_job_rerun(*, job: BackgroundJob, user, now: datetime, **options) -> BackgroundJob:
    """A new job of the same kind on the same file with changed options (apply a dry run)."""
    return background_job_start(
        kind=job.kind,
        user=user,
        partner_id=job.partner_id,
        now=now,
        content=bytes(job.content),
        filename=job.filename,
        options={**job.options, **options},
    )


# --- selectors ------------------------------------------------------------------------------


def job_list(*, user) -> QuerySet[BackgroundJob]:
    """The jobs ``user`` started, for the partner they belong to now: nobody else's."""
    if not user.is_authenticated:
        return BackgroundJob.objects.none()
    membership = getattr(user, "membership_or_none", None)
    partner_id = membership.partner_id if membership is not None else None
    return BackgroundJob.objects.filter(user=user, partner_id=partner_id).defer(
        "content", "result_file"
    )


def job_get(*, user, job_id) -> BackgroundJob:
    try:
        return job_list(user=user).get(pk=int(job_id))
    except (BackgroundJob.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
