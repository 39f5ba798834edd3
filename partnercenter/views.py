"""Browser pages of the Partner Center bulk CSV: download (the pipeline's filters), the
upload template, and the upload (a dry run in the worker, then apply from the job's page)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cosell.core import csv_files
from cosell.core.limits import MULTIPART_SLACK, max_request_bytes
from cosell.partners.models import Role
from opportunities.deals import csv_io, selectors
from opportunities.deals.filters import OpportunityFilter
from opportunities.deals.imports import jobs as import_jobs

from .bulk_csv import columns, export, jobs


@login_required
def bulk_download(request):
    """The pipeline in Partner Center's layout, with the pipeline's current filters."""
    if request.user.role == Role.NONE:
        raise PermissionDenied
    base = selectors.opportunity_list(user=request.user)
    params = request.GET.copy()
    for key in ("sort", "page"):
        params.pop(key, None)
    filterset = OpportunityFilter(params or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    return export.export(queryset, user=request.user)


@login_required
def bulk_template(request):
    if request.user.role == Role.NONE:
        raise PermissionDenied
    return export.template()


@max_request_bytes(csv_files.IMPORT_MAX_BYTES + MULTIPART_SLACK)
@login_required
@require_http_methods(["GET", "POST"])
def bulk_upload(request):
    partner = request.user.partner
    if not csv_io.can_import(request.user, partner):
        raise PermissionDenied
    context = {"limit": csv_files.IMPORT_LIMIT, "columns": columns.header()}
    if request.method == "GET":
        return render(request, "partnercenter/bulk_upload.html", context)
    upload = request.FILES.get("file")
    if upload is None:
        context["error"] = _("Choose a CSV file.")
        return render(request, "partnercenter/bulk_upload.html", context, status=400)
    try:
        job = import_jobs.start(
            kind=jobs.KIND,
            user=request.user,
            partner=partner,
            raw=upload.read(csv_files.IMPORT_MAX_BYTES + 1),
            filename=upload.name or "",
            dry_run=True,
            check=jobs.check_file,
        )
    except csv_files.ImportRejected as exc:
        context["error"] = " ".join(m for ms in exc.errors.values() for m in ms)
        return render(request, "partnercenter/bulk_upload.html", context, status=400)
    return redirect("jobs:detail", job.pk)
