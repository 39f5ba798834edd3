"""Browser pages for CSV: export the pipeline and the lead inbox; import opportunities.

The import is upload -> review -> apply. The uploaded file stays server-side, in the session of
the person who uploaded it, between the review and the apply; applying re-runs every row
against the data as it is then (one transaction, all or nothing), never trusting the review.
"""

import base64
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cosell.core import clock
from cosell.core.limits import MULTIPART_SLACK, max_request_bytes
from cosell.partners.models import Role

from . import csv_io, selectors
from .api.views import OpportunityFilter

SESSION_KEY = "opportunities_csv_import"


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


@login_required
def leads_export(request):
    """The lead inbox as CSV (both directions unless ``direction`` says), with its filters."""
    if request.user.role == Role.NONE:
        raise PermissionDenied
    direction = request.GET.get("direction", "")
    queryset = selectors.lead_list(
        user=request.user, direction=direction if direction in ("incoming", "outgoing") else ""
    )
    return csv_io.export_leads(csv_io.lead_filter(queryset, request.GET), user=request.user)


def _require_importer(request):
    partner = request.user.partner
    if not csv_io.can_import(request.user, partner):
        raise PermissionDenied
    return partner


@max_request_bytes(csv_io.IMPORT_MAX_BYTES + MULTIPART_SLACK)
@login_required
@require_http_methods(["GET", "POST"])
def opportunities_import(request):
    """Upload a CSV file: a dry run shows what each row would do; nothing is written yet."""
    partner = _require_importer(request)
    context = {"limit": csv_io.IMPORT_LIMIT, "columns": csv_io.OPPORTUNITY_COLUMNS}
    if request.method == "GET":
        return render(request, "opportunities/csv_import.html", context)
    upload = request.FILES.get("file")
    if upload is None:
        context["error"] = _("Choose a CSV file.")
        return render(request, "opportunities/csv_import.html", context, status=400)
    raw = upload.read(csv_io.IMPORT_MAX_BYTES + 1)
    try:
        report = csv_io.opportunities_import(
            partner=partner, actor=request.user, now=clock.now(), raw=raw, dry_run=True
        )
    except csv_io.ImportRejected as exc:
        context["error"] = " ".join(m for ms in exc.errors.values() for m in ms)
        return render(request, "opportunities/csv_import.html", context, status=400)
    token = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {
        "token": token,
        "partner_id": partner.pk,
        "name": upload.name[:200],
        "content": base64.b64encode(raw).decode("ascii"),
    }
    return render(
        request,
        "opportunities/csv_review.html",
        {"report": report, "token": token, "filename": upload.name},
    )


@login_required
@require_POST
def opportunities_import_apply(request):
    """Apply the reviewed upload: every row again, all or nothing."""
    partner = _require_importer(request)
    stored = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    if (
        not token
        or not secrets.compare_digest(str(stored.get("token", "")), token)
        or stored.get("partner_id") != partner.pk
    ):
        messages.error(request, _("That upload is gone; upload the file again."))
        return redirect("opportunities:opportunities_import")
    raw = base64.b64decode(stored["content"])
    report = csv_io.opportunities_import(
        partner=partner, actor=request.user, now=clock.now(), raw=raw, dry_run=False
    )
    if not report.applied:
        # Something changed since the review: show the rows again, nothing was written.
        return render(
            request,
            "opportunities/csv_review.html",
            {"report": report, "token": token, "filename": stored.get("name", "")},
            status=400,
        )
    del request.session[SESSION_KEY]
    counts = report.counts()
    messages.success(
        request,
        _("Imported: %(create)d created, %(update)d updated, %(unchanged)d unchanged.") % counts,
    )
    return redirect("opportunities:pipeline")
