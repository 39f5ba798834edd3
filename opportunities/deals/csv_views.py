"""The pipeline's CSV: export, and import as a background job."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cosell.core import csv_files
from cosell.core.job_views import job_apply
from cosell.core.limits import MULTIPART_SLACK, max_request_bytes
from cosell.partners.models import Role
from opportunities.deals import csv_io, selectors
from opportunities.deals.filters import OpportunityFilter
from opportunities.deals.imports import jobs as import_jobs


@login_required
def opportunities_export(request):
    """The pipeline as CSV, with the pipeline's current filters."""
    if request.user.role == Role.NONE:
        raise PermissionDenied
    base = selectors.opportunity_list(user=request.user)
    params = request.GET.copy()
    for key in ("sort", "page"):
        params.pop(key, None)
    filterset = OpportunityFilter(params or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    return csv_io.export_opportunities(queryset, user=request.user)


def _require_importer(request):
    partner = request.user.partner
    if not csv_io.can_import(request.user, partner):
        raise PermissionDenied
    return partner


@max_request_bytes(csv_files.IMPORT_MAX_BYTES + MULTIPART_SLACK)
@login_required
@require_http_methods(["GET", "POST"])
def opportunities_import(request):
    """Upload a CSV file: a dry run in the worker shows what each row would do (the job's page
    shows its progress, then the report and the button to apply); nothing is written yet."""
    partner = _require_importer(request)
    context = {"limit": csv_files.IMPORT_LIMIT, "columns": csv_io.OPPORTUNITY_COLUMNS}
    if request.method == "GET":
        return render(request, "opportunities/csv_import.html", context)
    upload = request.FILES.get("file")
    if upload is None:
        context["error"] = _("Choose a CSV file.")
        return render(request, "opportunities/csv_import.html", context, status=400)
    try:
        job = import_jobs.start(
            kind=import_jobs.KIND,
            user=request.user,
            partner=partner,
            raw=upload.read(csv_files.IMPORT_MAX_BYTES + 1),
            filename=upload.name or "",
            dry_run=True,
            check=import_jobs.check_portal_file,
        )
    except csv_files.ImportRejected as exc:
        context["error"] = " ".join(m for ms in exc.errors.values() for m in ms)
        return render(request, "opportunities/csv_import.html", context, status=400)
    return redirect("jobs:detail", job.pk)


@login_required
@require_POST
def opportunities_import_apply(request):
    """Apply a reviewed dry run (``job``: its id): a new job runs every row again, all or
    nothing. The job's page posts to ``jobs:apply``; this address stays for old forms."""
    _require_importer(request)
    job_id = request.POST.get("job", "")
    if not job_id.isdigit():
        messages.error(request, _("That upload is gone; upload the file again."))
        return redirect("opportunities:opportunities_import")
    return job_apply(request, int(job_id))
