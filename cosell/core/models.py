import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One state change of any object: append-only, written in the change's own transaction."""

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("subject type")
    )
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    verb = models.CharField(_("verb"), max_length=64)
    from_state = models.CharField(_("from"), max_length=64, blank=True)
    to_state = models.CharField(_("to"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    job = models.CharField(_("job"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    extra = models.JSONField(_("extra"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.subject_type.model}#{self.subject_id} {self.verb}"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.get("force_insert"):
            raise RuntimeError("Audit events are append-only.")
        return super().save(*args, **kwargs)

    def _subject_label(self) -> str:
        subject_type = ContentType.objects.get_for_id(self.subject_type_id)
        return f"{subject_type.app_label}.{subject_type.model}"

    @property
    def from_state_label(self) -> str:
        """The state it moved from, in the reader's language, as its subject means it."""
        from cosell.core.labels import event_state_label

        return event_state_label(self._subject_label(), self.verb, self.from_state)

    @property
    def to_state_label(self) -> str:
        from cosell.core.labels import event_state_label

        return event_state_label(self._subject_label(), self.verb, self.to_state)

    @property
    def reason_label(self) -> str:
        """The reason in the reader's language (a code's label; free text as written)."""
        from cosell.core.labels import event_reason_label

        return event_reason_label(self.to_state, self.reason)

    @property
    def who(self) -> str:
        if self.actor_id:
            return str(self.actor)
        from cosell.core.labels import job_label

        return job_label(self.job)


TOKEN_PREFIX = "csl_"


def hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness: a fast hash is enough and keeps lookups cheap.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return (raw token, its hash, its display prefix)."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return raw, hash_token(raw), raw[: len(TOKEN_PREFIX) + 6]


class PendingEffect(models.Model):
    """A side effect (a task by name, with JSON arguments) recorded in the transaction of the
    change that calls for it, so it commits or rolls back with that change.

    After commit it is published to the broker; the worker claims it, runs it and marks it done.
    What the broker did not take (it was down), or what a worker did not finish (it crashed),
    the periodic job ``effects.deliver`` publishes again once ``next_try_at`` has passed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        GAVE_UP = "gave_up", _("gave up")

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"))
    # When the periodic job publishes it (again): a grace period after commit, the end of a
    # worker's claim, or the end of the back-off after a failure.
    next_try_at = models.DateTimeField(_("next try"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("pending side effect")
        verbose_name_plural = _("pending side effects")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_try_at"],
                name="effect_pending_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} ({self.status})"


class BackgroundJob(models.Model):
    """A long piece of work a person started (a CSV import, say), run by the worker.

    The page and the API answer at once with the job's address; the job reports its progress
    (``progress_done`` of ``progress_total``) while it runs and keeps its report (``result``)
    and, for uploads answered with a file, that file. Only the person who started it (within
    their partner) sees it. Queued through ``cosell.core.effects``, so it survives a broker
    outage: the periodic job ``effects.deliver`` starts what the broker did not take.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="background_jobs",
        verbose_name=_("started by"),
    )
    # The partner the job works for (a plain id: the kernel does not depend on partners).
    partner_id = models.PositiveIntegerField(_("partner id"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(_("phase"), max_length=24, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    options = models.JSONField(_("options"), default=dict, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content = models.BinaryField(_("uploaded file"), blank=True, default=b"")
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_filename = models.CharField(_("result file name"), max_length=200, blank=True)
    result_file = models.BinaryField(_("result file"), blank=True, default=b"")
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))
