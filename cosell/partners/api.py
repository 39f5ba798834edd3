from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cosell.core import clock
from cosell.core.api import ErrorSerializer
from cosell.core.errors import ValidationFailed

from . import selectors, services
from .models import Partner


class PartnerSummarySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Partner
        fields = ["id", "name", "partner_id", "country"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField(source="get_full_name")
    role = serializers.CharField()
    is_staff = serializers.BooleanField()
    partner = PartnerSummarySerializer(allow_null=True)
    partner_role = serializers.SerializerMethodField()

    def get_partner_role(self, user) -> str | None:
        membership = user.membership_or_none
        return membership.role if membership else None


class MeView(APIView):
    """The signed-in person: role and partner."""

    @extend_schema(responses={200: MeSerializer}, tags=["auth"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class PartnerSerializer(serializers.ModelSerializer):
    """A partner with the figures co-sell status depends on (only staff change them)."""

    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "country",
            "partner_id",
            "business_profile_complete",
            "solutions_partner_designation",
            "isv_connect_tier",
            "sa_vetted",
            "acr_trailing_12m_usd",
        ]
        read_only_fields = ["id", "name", "country"]


class PartnerDetailView(APIView):
    """Your partner (staff: any partner). Staff set its figures with PATCH; offers then
    re-evaluate their co-sell status."""

    def get_object(self, request, pk: int) -> Partner:
        return get_object_or_404(selectors.partner_list(user=request.user), pk=pk)

    @extend_schema(responses={200: PartnerSerializer, 404: ErrorSerializer}, tags=["partners"])
    def get(self, request, pk: int):
        return Response(PartnerSerializer(self.get_object(request, pk)).data)

    @extend_schema(
        request=PartnerSerializer,
        responses={
            200: PartnerSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
        tags=["partners"],
    )
    def patch(self, request, pk: int):
        partner = self.get_object(request, pk)
        if not request.user.has_perm("partners.set_partner_figures"):
            raise exceptions.PermissionDenied(
                _("Only the portal's administrators may change a partner's figures.")
            )
        serializer = PartnerSerializer(partner, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            partner = services.partner_update_figures(
                partner_id=partner.pk,
                actor=request.user,
                now=clock.now(),
                changes=dict(serializer.validated_data),
            )
        except DjangoValidationError as exc:
            raise ValidationFailed(exc.message_dict) from exc
        return Response(PartnerSerializer(partner).data)
