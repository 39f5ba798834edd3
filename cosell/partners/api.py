from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

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
