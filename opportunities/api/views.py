import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cosell.core import clock
from cosell.core.api import ErrorSerializer
from cosell.core.errors import PreconditionFailed
from cosell.core.job_views import JobSerializer
from cosell.core.job_views import accepted as job_accepted
from cosell.core.limits import MULTIPART_SLACK
from cosell.core.pagination import PageNumberOrCursorPagination

from .. import csv_io, selectors, services
from ..imports import jobs as import_jobs
from ..models import Category, Lead, Opportunity, Stage
from .list_rows import respond as list_response
from .serializers import (
    CloseSerializer,
    ImportRequestSerializer,
    InviteSerializer,
    LeadAcceptSerializer,
    LeadDeclineSerializer,
    LeadSerializer,
    MarketplaceLeadSerializer,
    OpportunityCreateSerializer,
    OpportunityFieldsSerializer,
    OpportunitySerializer,
    StageSerializer,
    UpgradeSerializer,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, by field."),
    403: OpenApiResponse(ErrorSerializer, description="Not yours to do."),
    404: OpenApiResponse(ErrorSerializer, description="Not found or outside your reach."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="The current state does not allow this (``current_status`` says why), "
        "or a duplicate (``duplicate_of``).",
    ),
}
PRECONDITION = {
    412: OpenApiResponse(ErrorSerializer, description="Stale If-Match: reload and retry.")
}

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description="The ETag you read; stale: 412"
)


class CsvRenderer(renderers.BaseRenderer):
    """Lets ``Accept: text/csv`` through to the export actions (which stream their own body)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data or "").encode()


CSV_RENDERERS = [renderers.JSONRenderer, CsvRenderer]
CSV_EXPORT = OpenApiResponse(
    OpenApiTypes.STR,
    description="CSV, UTF-8 with BOM, at most 5,000 rows; cells a spreadsheet would run as "
    "a formula start with a single quote.",
)


class OpportunityFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices)
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    close_date = django_filters.DateFromToRangeFilter()
    search = django_filters.CharFilter(method="filter_search", label="name or customer")

    class Meta:
        model = Opportunity
        fields = ["category", "status", "stage", "close_date"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(customer_name__icontains=value))


class LeadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices)
    direction = django_filters.ChoiceFilter(
        choices=[("incoming", "incoming"), ("outgoing", "outgoing")], method="filter_direction"
    )

    # Declared last so it runs after ``direction`` (which brings the default ordering).
    ordering = django_filters.ChoiceFilter(
        choices=[("expires_at", "expires_at"), ("-sent_at", "-sent_at")],
        method="filter_ordering",
        label="expires_at: least time left first; -sent_at: newest first (the default)",
    )

    class Meta:
        model = Lead
        fields = ["status", "direction"]

    def filter_direction(self, queryset, name, value):
        return queryset & selectors.lead_list(user=self.request.user, direction=value)

    def filter_ordering(self, queryset, name, value):
        if value == "expires_at":
            return queryset.order_by("expires_at", "id")
        return queryset.order_by("-sent_at", "-id")


def _if_match_version(request, opportunity_id) -> int | None:
    """The version an ``If-Match`` names (``"<id>-<version>"``); a malformed or foreign one can
    never match."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    obj_id, _, version = tag.partition("-")
    if obj_id != str(opportunity_id) or not version.isdigit():
        raise PreconditionFailed("If-Match does not name this opportunity's current version.")
    return int(version)


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
    max_request_bytes_by_action = {"import_csv": lambda: csv_io.IMPORT_MAX_BYTES + MULTIPART_SLACK}

    def get_queryset(self):
        return selectors.opportunity_list(user=self.request.user)

    def _fresh(self, pk) -> Opportunity:
        return selectors.opportunity_get(user=self.request.user, opportunity_id=pk)

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
        expected = _if_match_version(request, opportunity.pk)
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
        expected = _if_match_version(request, opportunity.pk)
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
        lead = selectors.lead_get(user=request.user, lead_id=lead.pk)
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
        expected = _if_match_version(request, opportunity.pk)
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
        expected = _if_match_version(request, opportunity.pk)
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
        expected = _if_match_version(request, opportunity.pk)
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
            raw=upload.read(csv_io.IMPORT_MAX_BYTES + 1),
            filename=upload.name or "",
            dry_run=dry_run,
            check=import_jobs.check_portal_file,
        )
        return job_accepted(job, request)


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Leads you received or sent; for sellers also the shared Microsoft queue."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    pagination_class = PageNumberOrCursorPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.lead_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": clock.now()}

    def _respond(self, lead: Lead) -> Response:
        lead = selectors.lead_get(user=self.request.user, lead_id=lead.pk)
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)

    @extend_schema(tags=["leads"])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: LeadSerializer, **ERRORS}, tags=["leads"])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=LeadAcceptSerializer,
        responses={200: LeadSerializer, **ERRORS},
        tags=["leads"],
        description="Accept; accepting twice returns the accepted lead. Accepted by someone "
        "else: 409 with ``accepted_by``.",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        lead = selectors.lead_get_to_answer(user=request.user, lead_id=pk)
        serializer = LeadAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.lead_accept(
            lead_id=lead.pk, actor=request.user, now=clock.now(), **serializer.validated_data
        )
        return self._respond(lead)

    @extend_schema(
        request=LeadDeclineSerializer, responses={200: LeadSerializer, **ERRORS}, tags=["leads"]
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        lead = selectors.lead_get_to_answer(user=request.user, lead_id=pk)
        serializer = LeadDeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.lead_decline(
            lead_id=lead.pk, actor=request.user, now=clock.now(), **serializer.validated_data
        )
        return self._respond(lead)

    @extend_schema(request=None, responses={200: LeadSerializer, **ERRORS}, tags=["leads"])
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        lead = self.get_object()
        lead = services.lead_withdraw(lead_id=lead.pk, actor=request.user, now=clock.now())
        return self._respond(lead)

    @extend_schema(
        request=MarketplaceLeadSerializer,
        responses={201: LeadSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        tags=["leads"],
        description="Staff only: record a lead from a marketplace call to action (get it now, "
        "free trial, test drive, contact me) for the partner whose offer it is.",
    )
    @action(detail=False, methods=["post"])
    def marketplace(self, request):
        if not request.user.has_perm("opportunities.record_marketplace_lead"):
            raise PermissionDenied(_("Only the portal's administrators record marketplace leads."))
        serializer = MarketplaceLeadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.marketplace_lead_create(
            actor=request.user, now=clock.now(), **serializer.validated_data
        )
        response = self._respond(lead)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        responses={(200, "text/csv"): CSV_EXPORT, 400: ERRORS[400]},
        tags=["leads"],
        description="The leads the list would show (same filters) as CSV.",
    )
    @action(detail=False, methods=["get"], renderer_classes=CSV_RENDERERS)
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return csv_io.export_leads(queryset, user=request.user)
