"""The leads API, under /api/v1/leads/."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cosell.core import clock
from cosell.core.api_responses import CSV_EXPORT, CSV_RENDERERS, ERRORS
from cosell.core.pagination import PageNumberOrCursorPagination
from opportunities.leads import csv_io, selectors, services
from opportunities.leads.api.serializers import LeadSerializer
from opportunities.leads.filters import LeadFilter
from opportunities.leads.inputs import (
    LeadAcceptSerializer,
    LeadDeclineSerializer,
    MarketplaceLeadSerializer,
)
from opportunities.leads.models import Lead


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
