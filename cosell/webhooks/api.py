"""Webhooks in the API: ``/api/v1/webhooks/`` and each endpoint's deliveries (partner admins)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from cosell.core import clock
from cosell.core.api import ErrorSerializer
from cosell.partners.rules import is_partner_admin

from . import selectors, services
from .models import (
    DeliveryAttempt,
    EventFormat,
    EventType,
    PartnerCenterEvent,
    WebhookDelivery,
    WebhookEndpoint,
)


class IsPartnerAdmin(permissions.BasePermission):
    message = _("Only partner admins manage webhooks.")

    def has_permission(self, request, view) -> bool:
        return bool(is_partner_admin(request.user))


class EndpointSerializer(serializers.ModelSerializer):
    url = serializers.URLField(max_length=500)
    event_format = serializers.ChoiceField(
        choices=EventFormat.choices,
        default=EventFormat.COSELL,
        help_text="`cosell`: Cosell's events and payload; `partner_center`: Partner Center's "
        "referral events and payload. Every delivery carries the Standard Webhooks headers.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices + PartnerCenterEvent.choices),
        allow_empty=False,
        help_text="Event types of the endpoint's format.",
    )
    is_active = serializers.BooleanField(default=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "event_format",
            "events",
            "is_active",
            "failing",
            "failing_since",
            "secret_rotated_at",
            "previous_secret_expires_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "failing",
            "failing_since",
            "secret_rotated_at",
            "previous_secret_expires_at",
            "created_at",
        ]


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery: `whsec_` and standard base64, as Standard Webhooks "
        "libraries take it; `Cosell-Signature` is keyed with the whole string. Shown in this "
        "response only.",
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class RotateSecretSerializer(serializers.Serializer):
    keep_previous = serializers.BooleanField(
        default=True,
        help_text="Sign deliveries with the previous secret too for 24 hours (false: it stops "
        "at once, for a secret that leaked).",
    )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["at", "status_code", "duration_ms", "response_excerpt", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "created_at",
            "attempt_log",
        ]


ERRORS = {
    400: ErrorSerializer,
    403: OpenApiResponse(ErrorSerializer, description="Not a partner admin."),
    404: OpenApiResponse(ErrorSerializer, description="No such endpoint of your partner."),
}
NO_BODY_ERRORS = {k: v for k, v in ERRORS.items() if k != 400}


class EndpointListView(GenericAPIView):
    """The partner's webhook endpoints."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerAdmin]
    serializer_class = EndpointSerializer

    def get_queryset(self):
        return selectors.endpoint_list(user=self.request.user).order_by("created_at", "id")

    @extend_schema(
        responses={200: EndpointSerializer(many=True), 403: ERRORS[403]}, tags=["webhooks"]
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    @extend_schema(
        request=EndpointSerializer,
        responses={201: EndpointCreatedSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        tags=["webhooks"],
    )
    def post(self, request):
        serializer = EndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(
            partner=request.user.membership.partner,
            actor=request.user,
            now=clock.now(),
            **serializer.validated_data,
        )
        return Response(EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailView(GenericAPIView):
    """One webhook endpoint of the partner."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerAdmin]
    serializer_class = EndpointSerializer
    queryset = WebhookEndpoint.objects.none()  # for the schema; rows come from the selectors

    def get_endpoint(self, pk: int) -> WebhookEndpoint:
        return selectors.endpoint_get(user=self.request.user, endpoint_id=pk)

    @extend_schema(responses={200: EndpointSerializer, **NO_BODY_ERRORS}, tags=["webhooks"])
    def get(self, request, pk: int):
        return Response(EndpointSerializer(self.get_endpoint(pk)).data)

    @extend_schema(
        request=EndpointSerializer(partial=True),
        responses={200: EndpointSerializer, **ERRORS},
        tags=["webhooks"],
    )
    def patch(self, request, pk: int):
        endpoint = self.get_endpoint(pk)
        serializer = EndpointSerializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            endpoint_id=endpoint.pk,
            actor=request.user,
            now=clock.now(),
            **serializer.validated_data,
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None, **NO_BODY_ERRORS}, tags=["webhooks"])
    def delete(self, request, pk: int):
        endpoint = self.get_endpoint(pk)
        services.endpoint_delete(endpoint_id=endpoint.pk, actor=request.user, now=clock.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretView(GenericAPIView):
    """Give the endpoint a new secret, shown in this response only."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerAdmin]
    serializer_class = RotateSecretSerializer
    queryset = WebhookEndpoint.objects.none()  # for the schema; rows come from the selectors

    @extend_schema(
        request=RotateSecretSerializer,
        responses={200: EndpointCreatedSerializer, **ERRORS},
        tags=["webhooks"],
    )
    def post(self, request, pk: int):
        endpoint = selectors.endpoint_get(user=request.user, endpoint_id=pk)
        serializer = RotateSecretSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_rotate_secret(
            endpoint_id=endpoint.pk,
            actor=request.user,
            now=clock.now(),
            keep_previous=serializer.validated_data["keep_previous"],
        )
        return Response(EndpointCreatedSerializer(endpoint).data)


class DeliveryListView(GenericAPIView):
    """An endpoint's deliveries, newest first, each with its attempts."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerAdmin]
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.none()  # for the schema; rows come from the selectors

    @extend_schema(
        responses={200: DeliverySerializer(many=True), **NO_BODY_ERRORS}, tags=["webhooks"]
    )
    def get(self, request, pk: int):
        endpoint = selectors.endpoint_get(user=request.user, endpoint_id=pk)
        page = self.paginate_queryset(selectors.delivery_list(endpoint=endpoint))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryResendView(GenericAPIView):
    """Send a delivery again, with the same event id; a pending one is left as it is."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerAdmin]
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.none()  # for the schema; rows come from the selectors

    @extend_schema(
        request=None, responses={202: DeliverySerializer, **NO_BODY_ERRORS}, tags=["webhooks"]
    )
    def post(self, request, pk: int, delivery_id: int):
        endpoint = selectors.endpoint_get(user=request.user, endpoint_id=pk)
        delivery = selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        services.delivery_resend(delivery_id=delivery.pk, actor=request.user, now=clock.now())
        delivery = selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("webhooks/", EndpointListView.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", EndpointDetailView.as_view(), name="api-webhook"),
    path(
        "webhooks/<int:pk>/rotate-secret/",
        EndpointRotateSecretView.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path(
        "webhooks/<int:pk>/deliveries/",
        DeliveryListView.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/resend/",
        DeliveryResendView.as_view(),
        name="api-webhook-delivery-resend",
    ),
]
