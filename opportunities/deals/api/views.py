"""The opportunities API, under /api/v1/opportunities/."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cosell.core import clock, csv_files
from cosell.core.api import ErrorSerializer
from cosell.core.api_responses import CSV_EXPORT, CSV_RENDERERS, ERRORS, IF_MATCH, PRECONDITION
from cosell.core.job_views import JobSerializer
from cosell.core.job_views import accepted as job_accepted
from cosell.core.limits import MULTIPART_SLACK
from cosell.core.pagination import PageNumberOrCursorPagination
from opportunities.deals import csv_io, services
from opportunities.deals import selectors as deal_selectors
from opportunities.deals.api.list_rows import respond as list_response
from opportunities.deals.api.serializers import ImportRequestSerializer, OpportunitySerializer
from opportunities.deals.filters import OpportunityFilter
from opportunities.deals.imports import jobs as import_jobs
from opportunities.deals.inputs import (
    CloseSerializer,
    InviteSerializer,
    OpportunityCreateSerializer,
    OpportunityFieldsSerializer,
    StageSerializer,
    UpgradeSerializer,
)
from opportunities.deals.models import Opportunity
from opportunities.deals.preconditions import if_match_version
from opportunities.leads import selectors as lead_selectors
from opportunities.leads.api.serializers import LeadSerializer


def _with_etag(response: Response, opportunity: Opportunity) -> Response:
    response["ETag"] = opportunity.etag
    return response


class OpportunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Opportunities of your partner (and deals you were invited to or joined)."""

    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    pagination_class = PageNumberOrCursorPagination
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Lazy: csv_io imports this package's serializers.
    max_request_bytes_by_action = {
        "import_csv": lambda: csv_files.IMPORT_MAX_BYTES + MULTIPART_SLACK
    }

    def get_queryset(self):
        return deal_selectors.opportunity_list(user=self.request.user)

    def _fresh(self, pk) -> Opportunity:
        return deal_selectors.opportunity_get(user=self.request.user, opportunity_id=pk)

    def _respond(self, opportunity: Opportunity, code=status.HTTP_200_OK) -> Response:
        opportunity = self._fresh(opportunity.pk)
        return _with_etag(
            Response(
                OpportunitySerializer(opportunity, context={"request": self.request}).data,
                status=code,
            ),
            opportunity,
        )

    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="name or customer contains")],
        tags=["opportunities"],
    )
    def list(self, request, *args, **kwargs):
        # OpportunitySerializer's JSON, built from columns (list_rows.py).
        return list_response(self, request)

    @extend_schema(responses={200: OpportunitySerializer, **ERRORS}, tags=["opportunities"])
    def retrieve(self, request, pk=None):
        return self._respond(self._fresh(pk))

    @extend_schema(
        request=OpportunityCreateSerializer,
        responses={201: OpportunitySerializer, **ERRORS},
        tags=["opportunities"],
        description="Create and share a deal. A likely duplicate answers 409 with "
        "``duplicate_of`` unless ``confirm_duplicate`` is true.",
    )
    def create(self, request):
        serializer = OpportunityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        partner = request.user.partner
        if partner is None:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        opportunity = services.opportunity_create(
            partner=partner, actor=request.user, now=clock.now(), **data
        )
        return self._respond(opportunity, status.HTTP_201_CREATED)

    @extend_schema(
        request=OpportunityFieldsSerializer,
        responses={200: OpportunitySerializer, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH],
        tags=["opportunities"],
    )
    def partial_update(self, request, pk=None):
        opportunity = self._fresh(pk)
        expected = if_match_version(request, opportunity.pk)
        serializer = OpportunityFieldsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        opportunity = services.opportunity_update(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            expected_version=expected,
            **serializer.validated_data,
        )
        return self._respond(opportunity)

    @extend_schema(
        request=InviteSerializer,
        responses={201: LeadSerializer, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH],
        tags=["opportunities"],
    )
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        opportunity = self._fresh(pk)
        expected = if_match_version(request, opportunity.pk)
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.opportunity_invite(
            opportunity_id=opportunity.pk,
            partner_id=serializer.validated_data.get("partner_id"),
            invite_microsoft=serializer.validated_data["invite_microsoft"],
            actor=request.user,
            now=clock.now(),
            expected_version=expected,
        )
        lead = lead_selectors.lead_get(user=request.user, lead_id=lead.pk)
        return Response(
            LeadSerializer(lead, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=UpgradeSerializer,
        responses={200: OpportunitySerializer, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH],
        tags=["opportunities"],
    )
    @action(detail=True, methods=["post"])
    def upgrade(self, request, pk=None):
        opportunity = self._fresh(pk)
        expected = if_match_version(request, opportunity.pk)
        serializer = UpgradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opportunity = services.opportunity_upgrade(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            expected_version=expected,
            **serializer.validated_data,
        )
        return self._respond(opportunity)

    @extend_schema(
        request=CloseSerializer,
        responses={200: OpportunitySerializer, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH],
        tags=["opportunities"],
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        opportunity = self._fresh(pk)
        expected = if_match_version(request, opportunity.pk)
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opportunity = services.opportunity_close(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            expected_version=expected,
            **serializer.validated_data,
        )
        return self._respond(opportunity)

    @extend_schema(
        request=StageSerializer,
        responses={200: OpportunitySerializer, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH],
        tags=["opportunities"],
    )
    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        opportunity = self._fresh(pk)
        expected = if_match_version(request, opportunity.pk)
        serializer = StageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opportunity = services.opportunity_set_stage(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            stage=serializer.validated_data["stage"],
            expected_version=expected,
        )
        return self._respond(opportunity)

    @extend_schema(
        responses={(200, "text/csv"): CSV_EXPORT, 400: ERRORS[400]},
        tags=["opportunities"],
        description="The opportunities the list would show (same filters) as CSV.",
    )
    @action(detail=False, methods=["get"], renderer_classes=CSV_RENDERERS)
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return csv_io.export_opportunities(queryset, user=request.user)

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
                description="The import runs in the background: ``Location`` is the job "
                "(``/api/v1/jobs/{id}/``); its ``result`` is the report (``dry_run``, "
                "``applied``, ``counts``, ``rows`` with line and field of each error).",
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="A bad file (``errors.file``): encoding, header, more than 1,000 "
                "rows. Nothing is started.",
            ),
            403: ERRORS[403],
        },
        tags=["opportunities"],
        description="Import opportunities from CSV (partner admins, at most 1,000 rows) as a "
        "background job. A row updates the deal with its ``id`` (one you can see), else yours "
        "with its ``crm_id``, else creates one; a row that repeats a deal unchanged is "
        "``unchanged``. Applying is all or nothing.",
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_csv(self, request):
        partner = request.user.partner
        if not csv_io.can_import(request.user, partner):
            from django.core.exceptions import PermissionDenied

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
        upload = serializer.validated_data["file"]
        job = import_jobs.start(
            kind=import_jobs.KIND,
            user=request.user,
            partner=partner,
            raw=upload.read(csv_files.IMPORT_MAX_BYTES + 1),
            filename=upload.name or "",
            dry_run=dry_run,
            check=import_jobs.check_portal_file,
        )
        return job_accepted(job, request)
