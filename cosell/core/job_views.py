"""A background job's page (progress by htmx polling, then its report), its answer file, and
applying a reviewed dry run; and the API resource ``/api/v1/jobs/{id}/``."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import background, clock
from .api import ErrorSerializer
from .models import BackgroundJob

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No job of yours with this id.")


class CsvFileRenderer(renderers.BaseRenderer):
    """Lets ``Accept: text/csv`` through to the file view (which answers its own body)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data or "").encode()


def job_links(job: BackgroundJob, request=None) -> dict:
    def absolute(path):
        return request.build_absolute_uri(path) if request is not None else path

    links = {
        "self": absolute(reverse("api-job", args=[job.pk])),
        "page": absolute(reverse("jobs:detail", args=[job.pk])),
    }
    if job.result_filename:
        links["file"] = absolute(reverse("api-job-file", args=[job.pk]))
    return links


def job_data(job: BackgroundJob, request=None) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "phase": job.phase,
        "progress": {
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
        },
        "options": job.options,
        "filename": job.filename,
        "result": job.result if job.is_finished else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "links": job_links(job, request),
    }


def _context(job: BackgroundJob) -> dict:
    kind = background.kind_of(job)
    result = job.result or {}
    return {
        "job": job,
        "kind": kind,
        "result": result,
        "report_template": kind.template if kind else "core/job_result.html",
        "can_apply": bool(
            kind
            and kind.extra.get("appliable")
            and job.status == BackgroundJob.Status.SUCCEEDED
            and job.options.get("dry_run")
            and result.get("ok")
        ),
    }


@login_required
def job_detail(request, job_id: int):
    job = background.job_get(user=request.user, job_id=job_id)
    return render(request, "core/job_detail.html", _context(job))


@login_required
def job_progress(request, job_id: int):
    """The progress fragment the page polls; a finished job's fragment stops the polling."""
    job = background.job_get(user=request.user, job_id=job_id)
    response = render(request, "core/_job_progress.html", _context(job))
    if job.is_finished and request.headers.get("HX-Request"):
        # The whole page shows the report: reload it once.
        response["HX-Refresh"] = "true"
    return response


@login_required
def job_file(request, job_id: int):
    job = background.job_get(user=request.user, job_id=job_id)
    return _file_response(job)


def _file_response(job: BackgroundJob) -> HttpResponse:
    from django.http import Http404

    stored = BackgroundJob.objects.filter(pk=job.pk).values_list("result_file", flat=True).get()
    if not job.result_filename:
        raise Http404
    response = HttpResponse(bytes(stored), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{job.result_filename}"'
    return response


@login_required
@require_POST
def job_apply(request, job_id: int):
    """Apply a reviewed dry run: a new job runs every row again, all or nothing."""
    job = background.job_get(user=request.user, job_id=job_id)
    context = _context(job)
    if not context["can_apply"]:
        return redirect("jobs:detail", job.pk)
    may_start = context["kind"].extra.get("may_start")
    if may_start is not None and not may_start(request.user):
        raise PermissionDenied
    applied = background.background_job_rerun(
        job=job, user=request.user, now=clock.now(), dry_run=False
    )
    return redirect("jobs:detail", applied.pk)


class JobProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=BackgroundJob.Status.choices)
    phase = serializers.CharField(allow_blank=True)
    progress = JobProgressSerializer()
    options = serializers.DictField()
    filename = serializers.CharField(allow_blank=True)
    result = serializers.DictField(
        allow_null=True,
        help_text="When finished: the report (an import: dry_run, applied, counts, rows).",
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    links = serializers.DictField(child=serializers.CharField())


class JobView(APIView):
    """A background job you started: its status, progress and, when finished, its report."""

    @extend_schema(responses={200: JobSerializer, 404: NOT_FOUND}, tags=["jobs"])
    def get(self, request, pk: int):
        job = background.job_get(user=request.user, job_id=pk)
        return Response(job_data(job, request))


class JobFileView(APIView):
    """The file a finished job answered with (an upload with its Errors column filled)."""

    renderer_classes = [renderers.JSONRenderer, CsvFileRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8."),
            404: NOT_FOUND,
        },
        tags=["jobs"],
    )
    def get(self, request, pk: int):
        job = background.job_get(user=request.user, job_id=pk)
        return _file_response(job)


def accepted(job: BackgroundJob, request) -> Response:
    """202 Accepted with the job's address (``Location``) and its state, for the endpoints
    that start a job."""
    response = Response(job_data(job, request), status=202)
    response["Location"] = job_links(job, request)["self"]
    return response
