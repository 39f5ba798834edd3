"""How the API shows a deal (as its viewer may see it) and an import's report."""

from rest_framework import serializers

from cosell.core.representation import DirectColumnsMixin
from opportunities import consent, rules
from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember


class PartnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SolutionSerializer(DirectColumnsMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="label")

    class Meta:
        model = OpportunitySolution
        fields = ["kind", "offer_id", "name"]


class TeamMemberSerializer(DirectColumnsMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="user.__str__")

    class Meta:
        model = TeamMember
        fields = ["user_id", "name", "role", "added_at"]


class CustomerContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


def _viewer(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None) or serializer.context.get("user")


class OpportunitySerializer(DirectColumnsMixin, serializers.ModelSerializer):
    """An opportunity as the requesting user may see it (``rules.opportunity_as_seen_by``):
    the fields withheld from them are absent."""

    partner = PartnerRefSerializer()
    customer_country = serializers.CharField(source="customer_country.code")
    contact = serializers.SerializerMethodField()
    progress = serializers.IntegerField()
    solutions = SolutionSerializer(many=True)
    team = TeamMemberSerializer(many=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "category",
            "deal_type",
            "status",
            "stage",
            "progress",
            "partner",
            "customer_name",
            "customer_address",
            "customer_country",
            "customer_size",
            "customer_duns",
            "contact_consent",
            "contact",
            "value",
            "currency",
            "close_date",
            "notes",
            "help_needed",
            "assessment_type",
            "crm_id",
            "purchase_intent",
            "solutions",
            "team",
            "close_reason",
            "close_notes",
            "closed_at",
            "customer_account",
            "version",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance):
        seen = rules.opportunity_as_seen_by(instance, _viewer(self))
        data = super().to_representation(seen)
        for name in seen.withheld:
            data.pop(name, None)
        return data

    def get_contact(self, obj) -> CustomerContactSerializer(allow_null=True):  # type: ignore[valid-type]
        return consent.shown(obj)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="or ?dry_run=; default true"
    )


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["create", "update", "unchanged", "error"])
    crm_id = serializers.CharField()
    name = serializers.CharField()
    opportunity_id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ImportCountsSerializer(serializers.Serializer):
    create = serializers.IntegerField()
    update = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class ImportReportSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()
    counts = ImportCountsSerializer()
    rows = ImportRowSerializer(many=True)
