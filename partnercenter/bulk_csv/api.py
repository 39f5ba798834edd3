"""API endpoints of the Partner Center bulk CSV (under /api/v1/):

- ``GET opportunities/export/partner-center.csv``: the pipeline in Partner Center's layout
  (the list's filters, at most 5,000 rows);
- ``GET opportunities/import/partner-center/template.csv``: the upload template;
- ``POST opportunities/import/partner-center/``: upload (multipart ``file``, ``dry_run``,
  at most 1,000 rows): 202 with the job's address; the job answers with the same file, its
  Errors column filled (``/api/v1/jobs/{id}/file/``).
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from cosell.core import csv_files
from cosell.core.api import ErrorSerializer
from cosell.core.api_responses import CSV_RENDERERS
from cosell.core.errors import ValidationFailed
from cosell.core.job_views import JobSerializer, accepted
from cosell.core.limits import MULTIPART_SLACK
from cosell.partners.models import Role
from opportunities.deals import csv_io, selectors
from opportunities.deals.api.serializers import ImportRequestSerializer
from opportunities.deals.filters import OpportunityFilter
from opportunities.deals.imports import jobs as import_jobs

from . import export, jobs

CSV_FILE = OpenApiResponse(
    OpenApiTypes.STR,
    description="CSV, UTF-8 with BOM, in Partner Center's co-sell layout (bulk-operations.md).",
)


class PartnerCenterExportView(APIView):
    renderer_classes = CSV_RENDERERS

    @extend_schema(
        responses={(200, "text/csv"): CSV_FILE, 400: ErrorSerializer, 403: ErrorSerializer},
        tags=["opportunities"],
        description="The opportunities the list would show (same filters, at most 5,000) in "
        "Partner Center's bulk CSV layout, as you may see them.",
    )
    def get(self, request):
        if request.user.role == Role.NONE:
            raise PermissionDenied
        filterset = OpportunityFilter(
            request.query_params, queryset=selectors.opportunity_list(user=request.user)
        )
        if not filterset.is_valid():
            raise ValidationFailed({k: [str(m) for m in v] for k, v in filterset.errors.items()})
        return export.export(filterset.qs, user=request.user)


class PartnerCenterTemplateView(APIView):
    renderer_classes = CSV_RENDERERS

    @extend_schema(
        responses={(200, "text/csv"): CSV_FILE, 403: ErrorSerializer},
        tags=["opportunities"],
        description="The empty upload template in Partner Center's layout.",
    )
    def get(self, request):
        if request.user.role == Role.NONE:
            raise PermissionDenied
        return export.template()


class PartnerCenterUploadView(APIView):
    max_request_bytes = csv_files.IMPORT_MAX_BYTES + MULTIPART_SLACK

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        parameters=[
            OpenApiParameter(
                "dry_run", bool, description="true (the default): report only, write nothing"
            )
        ],
        responses={
            202: OpenApiResponse(
                JobSerializer,
                description="The upload runs in the background; ``Location`` is the job. Its "
                "report names each row's errors by column; ``links.file`` is the same file "
                "with its Errors column filled.",
            ),
            400: OpenApiResponse(ErrorSerializer, description="A bad file (``errors.file``)."),
            403: ErrorSerializer,
        },
        tags=["opportunities"],
        description="Upload co-sell opportunities in Partner Center's bulk CSV layout "
        "(partner admins, at most 1,000 rows): a dry run first, then all or nothing.",
    )
    def post(self, request):
        partner = request.user.partner
        if not csv_io.can_import(request.user, partner):
            raise PermissionDenied
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dry_run = serializer.validated_data.get("dry_run")
        if dry_run is None:
            dry_run = request.query_params.get("dry_run", "true").lower() not in (
                "false",
                "0",
                "no",
            )
        upload_file = serializer.validated_data["file"]
        job = import_jobs.start(
            kind=jobs.KIND,
            user=request.user,
            partner=partner,
            raw=upload_file.read(csv_files.IMPORT_MAX_BYTES + 1),
            filename=upload_file.name or "",
            dry_run=dry_run,
            check=jobs.check_file,
        )
        return accepted(job, request)
