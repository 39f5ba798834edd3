from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from rest_framework import serializers

from cosell.core.representation import DirectColumnsMixin

from .. import rules
from ..deal_limits import validate_close_date, validate_currency, validate_deal_value
from ..models import (
    NOTES_MAX_LENGTH,
    SHORT_NOTES_MAX_LENGTH,
    AssessmentType,
    Category,
    CustomerSize,
    DealType,
    ErrorReason,
    HelpNeeded,
    Lead,
    LostReason,
    Opportunity,
    OpportunitySolution,
    PurchaseIntent,
    Stage,
    TeamMember,
)

currency_field_kwargs = {
    "max_length": 3,
    "min_length": 3,
    "help_text": _("ISO 4217 code, e.g. USD"),
}


class CurrencyField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            r"^[A-Z]{3}$",
            error_messages={"invalid": _("Use a three-letter ISO 4217 code.")},
            validators=[validate_currency],
            **kwargs,
        )


class SolutionInputSerializer(serializers.Serializer):
    offer_id = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(
        choices=[OpportunitySolution.Kind.MICROSOFT, OpportunitySolution.Kind.THIRD_PARTY],
        required=False,
    )
    name = serializers.CharField(required=False, max_length=200)

    def validate(self, attrs):
        if attrs.get("offer_id") is None and not (attrs.get("kind") and attrs.get("name")):
            raise serializers.ValidationError(
                _("Give offer_id, or kind (microsoft or third_party) and name.")
            )
        return attrs


class OpportunityFieldsSerializer(serializers.Serializer):
    """The editable fields, shared by create and partial update."""

    name = serializers.CharField(max_length=200)
    customer_name = serializers.CharField(max_length=200)
    customer_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    customer_country = serializers.ChoiceField(
        choices=list(countries), required=False, allow_blank=True
    )
    customer_size = serializers.ChoiceField(
        choices=CustomerSize.choices, required=False, allow_blank=True
    )
    customer_duns = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact_consent = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        validators=[validate_deal_value],
    )
    currency = CurrencyField(required=False)
    close_date = serializers.DateField(
        required=False, allow_null=True, validators=[validate_close_date]
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)
    help_needed = serializers.ListField(
        child=serializers.ChoiceField(choices=HelpNeeded.choices), required=False
    )
    assessment_type = serializers.ChoiceField(
        choices=AssessmentType.choices, required=False, allow_blank=True
    )
    crm_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    purchase_intent = serializers.ChoiceField(choices=PurchaseIntent.choices, required=False)
    solutions = SolutionInputSerializer(many=True, required=False)


class OpportunityCreateSerializer(OpportunityFieldsSerializer):
    category = serializers.ChoiceField(choices=Category.choices)
    solutions = SolutionInputSerializer(many=True)
    invite_partner_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    invite_microsoft = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("p2p only: invite Microsoft as well as the partners."),
    )
    deal_type = serializers.ChoiceField(
        choices=DealType.choices,
        required=False,
        allow_blank=True,
        help_text=_(
            "microsoft only. co_sell: help_needed names the help asked (a lead sellers answer "
            "within 14 days); partner_led: no help, shared with Microsoft sellers for "
            "visibility. Left out: decided by help_needed and share_with_microsoft."
        ),
    )
    share_with_microsoft = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_(
            "microsoft only: may Microsoft sellers view a deal that asks no help? No records a "
            "private deal."
        ),
    )
    confirm_duplicate = serializers.BooleanField(required=False, default=False)


class InviteSerializer(serializers.Serializer):
    """One party per call: a partner (``partner_id``), or Microsoft (``invite_microsoft``)."""

    partner_id = serializers.IntegerField(required=False, allow_null=True)
    invite_microsoft = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Invite Microsoft to this partner-to-partner deal instead of a partner."),
    )

    def validate(self, attrs):
        if attrs.get("invite_microsoft") == (attrs.get("partner_id") is not None):
            raise serializers.ValidationError(
                {"partner_id": [_("Invite one partner, or Microsoft.")]}
            )
        return attrs


class UpgradeSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    partner_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    assessment_type = serializers.ChoiceField(
        choices=AssessmentType.choices, required=False, allow_blank=True
    )


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[Opportunity.Status.WON, Opportunity.Status.LOST, Opportunity.Status.ERROR]
    )
    # Checked against the outcome by the service: lost and error have their own codes.
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="lost: "
        + ", ".join(LostReason.values)
        + "; error: "
        + ", ".join(ErrorReason.values),
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=SHORT_NOTES_MAX_LENGTH
    )


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)


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
        if not obj.contact_consent:
            return None
        return {"name": obj.contact_name, "email": obj.contact_email, "phone": obj.contact_phone}


class LeadSerializer(DirectColumnsMixin, serializers.ModelSerializer):
    direction = serializers.SerializerMethodField()
    opportunity = serializers.SerializerMethodField()
    sender = serializers.SerializerMethodField()
    receiver_partner = PartnerRefSerializer(allow_null=True)
    receiver_seller = serializers.SerializerMethodField()
    in_queue = serializers.BooleanField()
    customer = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    time_left_seconds = serializers.SerializerMethodField()
    answered_by = serializers.SerializerMethodField()
    decline_reason = serializers.CharField(help_text=", ".join(LostReason.values))
    kept_until = serializers.DateTimeField(
        allow_null=True,
        help_text=_("Marketplace leads that need no answer: when they leave the inbox."),
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "status",
            "source",
            "direction",
            "opportunity",
            "sender",
            "receiver",
            "receiver_partner",
            "receiver_seller",
            "in_queue",
            "title",
            "call_to_action",
            "offer_id",
            "customer",
            "contact",
            "value",
            "currency",
            "close_date",
            "notes",
            "sent_at",
            "needs_answer",
            "expires_at",
            "kept_until",
            "archived_at",
            "time_left_seconds",
            "reminded_at",
            "answered_at",
            "answered_by",
            "decline_reason",
            "decline_notes",
        ]

    def to_representation(self, instance):
        return super().to_representation(rules.lead_as_seen_by(instance, _viewer(self)))

    def get_direction(self, obj) -> str:
        return obj.direction

    def get_opportunity(self, obj) -> PartnerRefSerializer(allow_null=True):  # type: ignore[valid-type]
        if obj.opportunity_id is None:
            return None
        return {"id": obj.opportunity_id, "name": obj.opportunity.name}

    def get_sender(self, obj) -> dict:
        return {
            "partner": (
                {"id": obj.sender_partner_id, "name": obj.sender_partner.name}
                if obj.sender_partner_id
                else None
            ),
            "user": str(obj.sender_user) if obj.sender_user_id else None,
        }

    def get_receiver_seller(self, obj) -> str | None:
        return str(obj.receiver_seller.user) if obj.receiver_seller_id else None

    def get_customer(self, obj) -> dict:
        return obj.customer()

    def get_contact(self, obj) -> CustomerContactSerializer(allow_null=True):  # type: ignore[valid-type]
        return obj.visible_contact

    def get_time_left_seconds(self, obj) -> int | None:
        left = obj.time_left(self.context.get("now") or timezone.now())
        return None if left is None else int(left.total_seconds())

    def get_answered_by(self, obj) -> str | None:
        return str(obj.answered_by) if obj.answered_by_id else None


class LeadAcceptSerializer(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        validators=[validate_deal_value],
    )
    currency = CurrencyField(required=False)
    close_date = serializers.DateField(
        required=False, allow_null=True, validators=[validate_close_date]
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)


class LeadDeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LostReason.choices)
    notes = serializers.CharField(max_length=SHORT_NOTES_MAX_LENGTH)


class MarketplaceLeadSerializer(serializers.Serializer):
    """A customer's call to action on a marketplace listing, as the marketplace reports it."""

    offer_id = serializers.IntegerField(min_value=1)
    call_to_action = serializers.ChoiceField(choices=Lead.CallToAction.choices)
    customer_name = serializers.CharField(max_length=200)
    customer_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    contact_consent = serializers.BooleanField(required=False, default=False)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)


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
